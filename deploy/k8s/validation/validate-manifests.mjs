// Validates Kubernetes manifests against the schemas, without a cluster:
//   built-in kinds   -> kubernetes-models (validators generated from the Kubernetes OpenAPI schema),
//   ServiceMonitor   -> @kubernetes-models/prometheus-operator (generated from the prometheus-operator CRD schema).
// These schemas check types, required fields, enums and formats. Like the API server, they allow unknown fields;
// the strict check for those is the typed parse in tests/IntegrationTests/Packaging/KubernetesManifestTests.
//
//   node validate-manifests.mjs FILE.yaml...     (npm ci first)
// Prints one line per document ("ok FILE Kind/name" or "invalid FILE Kind/name: errors"); exits 1 if any is invalid
// or of a kind this script has no schema for.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseAllDocuments } from "yaml";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Job } from "kubernetes-models/batch/v1/Job";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";

const models = new Map(
  [ConfigMap, Secret, Service, Deployment, Job, PodDisruptionBudget, NetworkPolicy, ServiceMonitor].map((model) => [
    `${model.apiVersion}/${model.kind}`,
    model,
  ]),
);

let failures = 0;
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate-manifests.mjs FILE.yaml...");
  process.exit(2);
}

for (const file of files) {
  const documents = parseAllDocuments(readFileSync(file, "utf8"));
  for (const document of documents) {
    if (document.errors.length > 0) {
      failures++;
      console.log(`invalid ${basename(file)}: YAML: ${document.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const manifest = document.toJS();
    if (manifest === null || manifest === undefined) continue; // an empty document (a trailing ---)
    const name = `${manifest.kind}/${manifest.metadata?.name ?? "?"}`;
    const model = models.get(`${manifest.apiVersion}/${manifest.kind}`);
    if (!model) {
      failures++;
      console.log(`invalid ${basename(file)} ${name}: no schema for apiVersion ${manifest.apiVersion}, kind ${manifest.kind}`);
      continue;
    }
    try {
      new model(manifest).validate();
      console.log(`ok ${basename(file)} ${name}`);
    } catch (error) {
      failures++;
      console.log(`invalid ${basename(file)} ${name}: ${error.message}`);
    }
  }
}

process.exit(failures === 0 ? 0 : 1);
