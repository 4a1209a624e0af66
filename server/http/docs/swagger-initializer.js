/* global SwaggerUIBundle */
// A file rather than an inline script, so the page's Content-Security-Policy can forbid inline scripts.
SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  // Otherwise Swagger UI sends the spec's URL to validator.swagger.io and shows its badge.
  validatorUrl: null,
  // A token kept in localStorage would outlive the tab; Authorize again instead.
  persistAuthorization: false,
});
