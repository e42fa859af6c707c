#!/usr/bin/env node
// Example client of WorkflowRuntime in Node.js: deploys the webhook and the cron workflow of ../workflows/, triggers
// the webhook one a few times, pages its execution history, archives both, and prints one JSON line per step.
// It loads the repository's .proto files as they are (no generated code), as a gateway in another repository would.
//
//   node client.js --address 127.0.0.1:50051                                   # embedded profile, no credentials
//   node client.js --address host:50051 --api-key "$KEY" --ca ca.crt --cert client.crt --key client.key
//
// Every option also reads an environment variable: WORKFLOW_RUNTIME_ADDRESS, WORKFLOW_RUNTIME_API_KEY,
// WORKFLOW_RUNTIME_CA, WORKFLOW_RUNTIME_CERT, WORKFLOW_RUNTIME_KEY. Exit code 0 when every step worked, 1 otherwise.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_ROOT = path.resolve(__dirname, '..', '..', 'protos');
const WORKFLOWS = path.resolve(__dirname, '..', 'workflows');

function parseOptions(argv, env) {
  const options = {
    address: env.WORKFLOW_RUNTIME_ADDRESS || '127.0.0.1:50051',
    apiKey: env.WORKFLOW_RUNTIME_API_KEY || '',
    ca: env.WORKFLOW_RUNTIME_CA || '',
    cert: env.WORKFLOW_RUNTIME_CERT || '',
    key: env.WORKFLOW_RUNTIME_KEY || '',
    user: 'node-example',
    triggers: 3,
    pageSize: 2,
    deadlineSeconds: 30,
  };
  const names = { '--address': 'address', '--api-key': 'apiKey', '--ca': 'ca', '--cert': 'cert', '--key': 'key',
    '--user': 'user', '--triggers': 'triggers', '--page-size': 'pageSize', '--deadline-seconds': 'deadlineSeconds' };
  for (let i = 0; i < argv.length; i += 2) {
    const name = names[argv[i]];
    if (!name || argv[i + 1] === undefined) {
      throw new Error(`unknown option or missing value: ${argv[i]} (options: ${Object.keys(names).join(' ')})`);
    }
    options[name] = typeof options[name] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  if ((options.cert === '') !== (options.key === '')) {
    throw new Error('--cert and --key go together (the client certificate and its private key, PEM)');
  }
  return options;
}

// TLS when a CA or a client certificate is given; the API key rides on every call as 'authorization: Bearer <key>'.
function credentials(options) {
  if (!options.ca && !options.cert) {
    if (options.apiKey) {
      process.stderr.write('warning: sending the API key over a plaintext channel; use --ca for TLS\n');
    }
    return grpc.credentials.createInsecure();
  }
  const read = (file) => (file ? fs.readFileSync(file) : null);
  const channel = grpc.credentials.createSsl(read(options.ca), read(options.key), read(options.cert));
  if (!options.apiKey) {
    return channel;
  }
  const bearer = grpc.credentials.createFromMetadataGenerator((_, callback) => {
    const metadata = new grpc.Metadata();
    metadata.add('authorization', `Bearer ${options.apiKey}`);
    callback(null, metadata);
  });
  return grpc.credentials.combineChannelCredentials(channel, bearer);
}

function plaintextMetadata(options) {
  const metadata = new grpc.Metadata();
  if (options.apiKey && !options.ca && !options.cert) {
    metadata.add('authorization', `Bearer ${options.apiKey}`);
  }
  return metadata;
}

function loadClient(options) {
  const definition = protoLoader.loadSync(
    ['workflow_runtime/v1/workflow_runtime_service.proto'],
    { includeDirs: [PROTO_ROOT], keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true },
  );
  const v1 = grpc.loadPackageDefinition(definition).workflow_runtime.v1;
  return new v1.WorkflowRuntimeService(options.address, credentials(options));
}

// One promise per unary call, with a deadline, so a dead server fails the example instead of hanging it.
function call(client, options, method, request) {
  return new Promise((resolve, reject) => {
    const deadline = new Date(Date.now() + options.deadlineSeconds * 1000);
    client[method](request, plaintextMetadata(options), { deadline }, (error, response) => {
      if (error) {
        reject(new Error(`${method} failed: ${grpc.status[error.code]} ${error.details}`));
      } else {
        resolve(response);
      }
    });
  });
}

function deployRequest(file, user, suffix) {
  const spec = JSON.parse(fs.readFileSync(path.join(WORKFLOWS, file), 'utf8'));
  const triggers = spec.triggers.map((trigger) =>
    // Webhook paths are unique among active deployments: a run of its own gets a path of its own.
    (trigger.webhook ? { webhook: { ...trigger.webhook, path: `${trigger.webhook.path}-${suffix}` } } : trigger));
  return {
    user_id: user,
    name: spec.name,
    description: spec.description,
    workflow_definition: JSON.stringify(spec.definition),
    triggers,
    config: spec.config,
  };
}

function print(step, fields) {
  process.stdout.write(`${JSON.stringify({ step, ...fields })}\n`);
}

async function main() {
  const options = parseOptions(process.argv.slice(2), process.env);
  const client = loadClient(options);
  const suffix = crypto.randomBytes(4).toString('hex');
  const deployed = [];
  try {
    const webhook = (await call(client, options, 'DeployWorkflow', deployRequest('order-created-webhook.json', options.user, suffix))).deployment;
    deployed.push(webhook.workflow_id);
    const webhookPath = webhook.triggers.find((t) => t.spec.webhook).spec.webhook.path;
    print('deployed', { workflow_id: webhook.workflow_id, name: webhook.name, status: webhook.status, webhook_path: webhookPath });

    const cron = (await call(client, options, 'DeployWorkflow', deployRequest('nightly-report-cron.json', options.user, suffix))).deployment;
    deployed.push(cron.workflow_id);
    const cronTrigger = cron.triggers.find((t) => t.spec.cron);
    print('deployed', { workflow_id: cron.workflow_id, name: cron.name, status: cron.status,
      cron: cronTrigger.spec.cron.cron_expression, jitter_seconds: cronTrigger.jitter_seconds,
      next_fire_time: cronTrigger.next_fire_time ? new Date(cronTrigger.next_fire_time.seconds * 1000).toISOString() : null });

    // What the gateway does for POST /webhook/<path>: resolve, then trigger by path and wait for the outcome.
    const resolved = await call(client, options, 'ResolveWebhook', { path: webhookPath, method: 'POST' });
    print('resolved', { webhook_path: webhookPath, workflow_id: resolved.workflow_id });
    for (let i = 1; i <= options.triggers; i += 1) {
      const outcome = await call(client, options, 'TriggerWorkflow', {
        webhook_path: webhookPath,
        mode: 'EXECUTION_MODE_WEBHOOK',
        trigger_data: JSON.stringify({ order_id: `A-${suffix}-${i}`, amount: 42 * i }),
        idempotency_key: `order-${suffix}-${i}`,
        wait_for_completion: true,
        wait_timeout_seconds: 20,
      });
      print('triggered', { execution_id: outcome.execution.execution_id, status: outcome.execution.status,
        triggered_by: outcome.execution.triggered_by, deduplicated: outcome.deduplicated });
    }

    // Page the history, newest first, page_size at a time, until there is no next page.
    let pageToken = '';
    let page = 0;
    let seen = 0;
    do {
      const history = await call(client, options, 'GetExecutionHistory',
        { workflow_id: webhook.workflow_id, page_size: options.pageSize, page_token: pageToken });
      page += 1;
      seen += history.executions.length;
      print('history_page', { page, executions: history.executions.map((e) => ({ id: e.execution_id, status: e.status })),
        next_page_token: history.next_page_token !== '' });
      pageToken = history.next_page_token;
    } while (pageToken !== '');
    print('history', { workflow_id: webhook.workflow_id, executions: seen, pages: page });
  } finally {
    // Archive what this run deployed, so no cron trigger keeps firing after the example.
    for (const id of deployed) {
      try {
        const archived = (await call(client, options, 'DeleteDeployment', { workflow_id: id })).deployment;
        print('archived', { workflow_id: id, status: archived.status });
      } catch (error) {
        process.stderr.write(`could not archive ${id}: ${error.message}\n`);
      }
    }
    client.close();
  }
  print('done', { ok: true });
}

main().catch((error) => {
  process.stderr.write(`node-client: ${error.message}\n`);
  process.exitCode = 1;
});
