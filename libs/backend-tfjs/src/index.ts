export const BACKEND_NAME = 'tfjs';
