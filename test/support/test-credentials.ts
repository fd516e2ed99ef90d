/** The keys and Jumio credentials every test application is configured with. */
export const ADMIN_KEY = 'test-admin-secret';
export const BACKEND_KEY = 'test-backend-secret';
export const JUMIO_TOKEN = 'test-jumio-token';
export const JUMIO_SECRET = 'test-jumio-secret-value';
export const USER_AGENT = 'JumioFallback Tests/1.0';
