export * from './server.js';
export { BOARD_PAGE } from './page.js';
