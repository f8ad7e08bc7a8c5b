// The Faye Bayeux server (npm `faye`), the notifier's fan-out baseline: long-polling and
// websocket on 127.0.0.1 at the notifier's path, connects held up to 30 s as ours are.
// A second port takes POST {"channel", "data"} and publishes it server-side (the injection
// point the bench times from); GET on it answers 200 once both ports serve.
//   node server.mjs PORT CONTROL_PORT [MOUNT]
import http from "node:http";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const faye = require("faye");

const [port, controlPort] = process.argv.slice(2, 4).map(Number);
const mount = process.argv[4] ?? "/api/v2/notifications";

const bayeux = new faye.NodeAdapter({ mount, timeout: 30 });
const server = http.createServer();
bayeux.attach(server);
const publisher = bayeux.getClient();

const control = http.createServer((request, response) => {
  if (request.method !== "POST") {
    response.end("ok");
    return;
  }
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const { channel, data } = JSON.parse(Buffer.concat(chunks).toString());
    publisher.publish(channel, data);
    response.end("ok");
  });
});

server.listen(port, "127.0.0.1", () => control.listen(controlPort, "127.0.0.1"));
process.on("SIGTERM", () => process.exit(0));
