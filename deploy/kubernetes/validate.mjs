// Validates every manifest in this folder against the Kubernetes API schemas (the kubernetes-models package,
// generated from Kubernetes' OpenAPI): types, required fields, enumerations. `node deploy/kubernetes/validate.mjs`;
// CI runs it. Exits 1 naming each object and problem.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';

const MODELS = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};
const folder = path.dirname(fileURLToPath(import.meta.url));
const problems = [];
let checked = 0;
for (const file of readdirSync(folder)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .sort()) {
  for (const doc of parseAllDocuments(readFileSync(path.join(folder, file), 'utf8'))) {
    if (doc.errors.length) {
      problems.push(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      continue;
    }
    const object = doc.toJS();
    const type = `${object?.apiVersion}/${object?.kind}`;
    const Model = MODELS[type];
    if (!Model) {
      problems.push(`${file}: no schema known here for ${type}`);
      continue;
    }
    try {
      new Model(object).validate();
      checked++;
    } catch (e) {
      problems.push(`${file}: ${type} ${object.metadata?.name}: ${e.message}`);
    }
  }
}
for (const problem of problems) console.error(problem);
console.log(`${checked} Kubernetes objects valid, ${problems.length} invalid`);
process.exit(problems.length ? 1 : 0);
