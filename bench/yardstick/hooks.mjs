// Module resolution hook (node:module register, see register.mjs): the project's src/index.ts,
// imported from outside bench/yardstick/, resolves to config.ts.
let index = '';
let config = '';

export function initialize(data) {
  ({ index, config } = data);
}

export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url === index && context.parentURL !== config) return { ...r, url: config, shortCircuit: true };
  return r;
}
