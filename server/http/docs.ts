import Router from '@koa/router';
import type { ApiSpec } from '../api-spec.js';

/** The contract itself, as written and as JSON. Mounted before the validator: these are not API operations. */
export function docsRoutes(spec: ApiSpec): Router {
  const router = new Router();
  const json = JSON.stringify(spec.document);
  router.get('/openapi.yaml', (ctx) => {
    ctx.type = 'application/yaml; charset=utf-8';
    ctx.body = spec.yaml;
  });
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json; charset=utf-8';
    ctx.body = json;
  });
  return router;
}
