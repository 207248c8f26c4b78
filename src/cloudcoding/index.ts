/** The Cloud Coding API client: what the App imports. */

export { CloudCodingClient } from './client.js';
