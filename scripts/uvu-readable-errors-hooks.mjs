// Module hooks for scripts/uvu-readable-errors.mjs (see there).
const NEEDLE = "if (details) str += GUTTER + details.split('\\n').join(GUTTER);";
const PATCH = "if (details && typeof details !== 'string') details = JSON.stringify(details, null, 2);\n\t" + NEEDLE;

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (!/\/uvu\/dist\/index\.(mjs|js)$/.test(url)) return result;
  const source = String(result.source);
  if (!source.includes(NEEDLE)) throw new Error(`scripts/uvu-readable-errors: uvu's reporter changed (${url}); update the patch`);
  return { ...result, source: source.replace(NEEDLE, PATCH), shortCircuit: true };
}
