import { SimulatorProcess } from './simulator-process';
import { JUMIO_SECRET, JUMIO_TOKEN } from './test-credentials';
import { createTestDatabase } from './test-database';

/**
 * For suites that run the built service as a process: a database of the suite's own and the simulator as a
 * process, started before the suite's tests and stopped after them (call at the top of a describe).
 */
export function useProcessRig(): {
  readonly databaseUrl: string;
  readonly simulatorUrl: string;
  readonly simulator: SimulatorProcess;
} {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let simulator: SimulatorProcess;
  beforeAll(async () => {
    database = await createTestDatabase();
    simulator = await SimulatorProcess.start(JUMIO_TOKEN, JUMIO_SECRET);
  });
  afterAll(async () => {
    await simulator.stop();
    await database.drop();
  });
  return {
    get databaseUrl() {
      return database.url;
    },
    get simulatorUrl() {
      return simulator.url;
    },
    get simulator() {
      return simulator;
    },
  };
}
