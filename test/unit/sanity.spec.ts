import { Client } from 'pg';

describe('test database', () => {
  it('is a real PostgreSQL server', async () => {
    const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await client.connect();
    const { rows } = await client.query('select version() as v');
    await client.end();
    expect(rows[0].v).toMatch(/^PostgreSQL \d+/);
  });
});
