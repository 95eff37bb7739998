// The ceiling: node:http answering the very bytes the install URL answered (status, headers,
// body), with no framework and no database. Started by bench/run.ts with the reply as JSON in argv.
import { createServer } from 'node:http';

const reply = JSON.parse(process.argv[2] ?? '{}') as { status: number; headers: Record<string, string>; body: string };
const body = Buffer.from(reply.body, 'utf8');
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('message', () => server.close(() => process.exit(0)));
