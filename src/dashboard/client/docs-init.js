/**
 * @module Starts Swagger UI on /api/docs over /api/openapi.json. A token entered with "Authorize" stays in
 * this page's memory (persistAuthorization off): never a URL, a cookie or storage.
 */
/* global SwaggerUIBundle */
window.ui = SwaggerUIBundle({
  url: '/api/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: false,
  validatorUrl: null,
  showExtensions: true,
  tryItOutEnabled: false,
});
