// Baseline (a): the ceiling for a Node HTTP ingest on one core. A bare Fastify route that parses
// the same JSON body (Fastify's default parser, i.e. JSON.parse) and answers 202 with the record
// count, as the engine does, and nothing else: no schema, no normalizing, no queue.
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024 });
app.post('/api/logs', async (request, reply) => {
  const body = request.body as { records?: unknown[] };
  return reply.code(202).send({ accepted: body.records?.length ?? 0 });
});
const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`listening ${address}\n`);
process.once('SIGTERM', () => void app.close());
