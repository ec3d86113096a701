#!/usr/bin/env node
// Container health check for images without curl: GET http://127.0.0.1:$PORT/health.
// Exit 0 on HTTP 200, 1 on any other status, a connection error, or no answer within 2 s.
// Used by the Dockerfile's HEALTHCHECK and docker/compose.yaml; Kubernetes probes use httpGet instead.
'use strict';
const http = require('node:http');

const port = Number(process.env.PORT) || 3000;
const timeoutMs = 2000;
const fail = (why) => {
  console.error(`unhealthy: ${why}`);
  process.exit(1);
};

const req = http.get({ host: '127.0.0.1', port, path: '/health', timeout: timeoutMs }, (res) => {
  res.resume();
  if (res.statusCode === 200) process.exit(0);
  fail(`GET /health answered ${res.statusCode}`);
});
req.on('timeout', () => fail(`GET /health did not answer within ${timeoutMs} ms`));
req.on('error', (error) => fail(`GET /health: ${error.message}`));
