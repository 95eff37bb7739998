// npm run smartapp -- <command>: the developer API (CONTRACT §6) from a terminal.
//   init [file]                           writes a starter SmartApp (default smartapp.js)
//   publish <file> [--id <smartAppId>]    publishes it: a new SmartApp, or a new version of yours
//   list                                  your SmartApps
//   logs <smartAppId> [--installation <id>] [--since <ISO time>] [--follow]
// Reads SMARTAPP_URL (default http://localhost:3000) and SMARTAPP_TOKEN (a developer API token).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface CliIo {
  env: Record<string, string | undefined>;
  cwd: string;
  out: (line: string) => void;
  err: (line: string) => void;
  /** stops `logs --follow` */
  signal?: AbortSignal;
  /** how often `logs --follow` asks for new lines */
  followIntervalMs?: number;
}

interface Parsed {
  positional: string[];
  options: Record<string, string | true>;
}

interface ApiReply {
  status: number;
  body: unknown;
}

interface LogLine {
  at: string;
  installationId: string;
  level: string;
  message: string;
}

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const USAGE = [
  'usage: npm run smartapp -- <command>',
  '  init [file]                              write a starter SmartApp (default smartapp.js)',
  '  publish <file> [--id <smartAppId>]       publish a new SmartApp, or a new version of one of yours',
  '  list                                     list your SmartApps',
  '  logs <smartAppId> [--installation <id>] [--since <ISO time>] [--follow]',
  'environment: SMARTAPP_URL (default http://localhost:3000), SMARTAPP_TOKEN (a developer API token)',
].join('\n');

export const STARTER_APP = `// A starter SmartApp: lists the switches the user grants and turns them on or off.
// Publish it with: npm run smartapp -- publish smartapp.js
export default {
  definition: {
    name: 'My Switches',
    namespace: 'me',
    author: 'Me',
    description: 'Lets a service list and switch the lights you choose',
    category: 'Convenience',
  },
  preferences: [
    {
      section: 'Which lights may the service use?',
      inputs: [{ name: 'switches', type: 'capability.switch', title: 'Lights', multiple: true, required: true }],
    },
  ],
  mappings: {
    '/switches': { GET: 'listSwitches' },
    '/switches/:command': { PUT: 'switchAll' },
  },
  installed(ctx) {
    ctx.log.info('installed with ' + ctx.settings.switches.length + ' switch(es)');
  },
  uninstalled(ctx) {
    ctx.log.info('uninstalled');
  },
  handlers: {
    listSwitches(ctx) {
      return ctx.settings.switches.map((d) => ({ id: d.id, name: d.label, value: d.currentValue('switch') }));
    },
    switchAll(ctx) {
      const command = ctx.params.command;
      if (command !== 'on' && command !== 'off') {
        ctx.httpError(400, command + ' is not on or off');
      }
      ctx.settings.switches.forEach((d) => d[command]());
      ctx.log.info('all switches ' + command);
    },
  },
};
`;

function parseArgs(argv: string[]): Parsed {
  const positional: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2);
      const next = argv[i + 1];
      if (inline !== undefined) {
        options[name] = inline;
      } else if (name !== 'follow' && next !== undefined && !next.startsWith('--')) {
        options[name] = next;
        i++;
      } else {
        options[name] = true;
      }
    } else {
      positional.push(arg);
    }
  }
  return { positional, options };
}

function stringOption(parsed: Parsed, name: string): string | undefined {
  const value = parsed.options[name];
  if (value === true) {
    throw new CliError(`--${name} needs a value`, 2);
  }
  return value;
}

class DeveloperApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  static from(env: CliIo['env']): DeveloperApi {
    const token = env.SMARTAPP_TOKEN;
    if (!token) {
      throw new CliError('Set SMARTAPP_TOKEN to a developer API token (developer console → API tokens)', 2);
    }
    const base = (env.SMARTAPP_URL || 'http://localhost:3000').replace(/\/+$/, '');
    try {
      new URL(base);
    } catch {
      throw new CliError(`SMARTAPP_URL must be an absolute URL, got "${base}"`, 2);
    }
    return new DeveloperApi(base, token);
  }

  async call(method: string, path: string, body?: unknown): Promise<ApiReply> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/api/developer/smartapps${path}`, {
        method,
        headers: { Authorization: `Bearer ${this.token}`, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new CliError(`Could not reach ${this.baseUrl}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: keep the text for the error message
    }
    if (res.status === 401) {
      throw new CliError(`The platform refused the token (401): ${describe(parsed)}. Check SMARTAPP_TOKEN.`);
    }
    return { status: res.status, body: parsed };
  }
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function describe(body: unknown): string {
  const b = record(body);
  if (typeof b.error_description === 'string') {
    return b.error_description;
  }
  if (typeof b.message === 'string') {
    return b.message;
  }
  return typeof body === 'string' ? body.slice(0, 500) : JSON.stringify(body);
}

function failure(reply: ApiReply, what: string): CliError {
  const b = record(reply.body);
  const details = Array.isArray(b.details) ? b.details.map((d) => `  ${String(record(d).path)}: ${String(record(d).message)}`) : [];
  const head = b.error === 'invalid_smartapp' ? `${what}: the SmartApp is not valid` : `${what} (${reply.status}): ${describe(reply.body)}`;
  return new CliError([head, ...details].join('\n'));
}

function init(parsed: Parsed, io: CliIo): void {
  const file = resolve(io.cwd, parsed.positional[0] ?? 'smartapp.js');
  if (existsSync(file)) {
    throw new CliError(`${file} already exists; choose another file name`);
  }
  writeFileSync(file, STARTER_APP);
  io.out(`Wrote ${file}. Edit its definition (name, namespace, author), then: npm run smartapp -- publish ${parsed.positional[0] ?? 'smartapp.js'}`);
}

async function publish(parsed: Parsed, io: CliIo): Promise<void> {
  const [fileArg] = parsed.positional;
  if (!fileArg) {
    throw new CliError('publish needs a file: npm run smartapp -- publish app.js', 2);
  }
  const file = resolve(io.cwd, fileArg);
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    throw new CliError(`Cannot read ${file}`);
  }
  const api = DeveloperApi.from(io.env);
  let id = stringOption(parsed, 'id');
  if (!id) {
    const created = await api.call('POST', '', { source });
    const body = record(created.body);
    if (created.status === 201) {
      io.out(`Published ${String(body.namespace)}/${String(body.name)} version ${String(body.version)} (id ${String(body.id)})`);
      return;
    }
    // already one of yours: publish it as a new version
    if (created.status !== 409 || typeof body.id !== 'string') {
      throw failure(created, 'Publishing failed');
    }
    id = body.id;
  }
  const versioned = await api.call('POST', `/${encodeURIComponent(id)}/versions`, { source });
  if (versioned.status !== 201) {
    throw failure(versioned, 'Publishing a new version failed');
  }
  const body = record(versioned.body);
  io.out(`Published version ${String(body.version)} of ${String(body.id)}; installations run it from their next call`);
}

async function list(io: CliIo): Promise<void> {
  const reply = await DeveloperApi.from(io.env).call('GET', '');
  if (reply.status !== 200 || !Array.isArray(reply.body)) {
    throw failure(reply, 'Listing failed');
  }
  if (reply.body.length === 0) {
    io.out('You have no SmartApps yet: npm run smartapp -- init, then publish');
  }
  for (const app of reply.body.map(record)) {
    io.out(`${String(app.id)}  ${String(app.namespace)}/${String(app.name)}  v${String(app.latestVersion)}  ${String(app.installations)} installation(s)`);
  }
}

function formatLine(line: LogLine): string {
  return `${line.at} ${line.level.toUpperCase().padEnd(5)} [${line.installationId.slice(0, 8)}] ${line.message}`;
}

function waitFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal?.aborted) {
      return done();
    }
    const timer = setTimeout(finish, ms);
    function finish(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      done();
    }
    signal?.addEventListener('abort', finish);
  });
}

async function logs(parsed: Parsed, io: CliIo): Promise<void> {
  const [id] = parsed.positional;
  if (!id) {
    throw new CliError('logs needs a SmartApp id (npm run smartapp -- list shows them)', 2);
  }
  const api = DeveloperApi.from(io.env);
  const installation = stringOption(parsed, 'installation');
  let since = stringOption(parsed, 'since');
  const follow = parsed.options.follow === true;
  for (;;) {
    const query = new URLSearchParams();
    if (installation) {
      query.set('installation', installation);
    }
    if (since) {
      query.set('since', since);
      query.set('limit', '1000');
    }
    const reply = await api.call('GET', `/${encodeURIComponent(id)}/logs${query.size > 0 ? `?${query.toString()}` : ''}`);
    if (reply.status !== 200 || !Array.isArray(reply.body)) {
      throw failure(reply, 'Reading the logs failed');
    }
    const lines = reply.body as LogLine[];
    lines.forEach((line) => io.out(formatLine(line)));
    if (lines.length > 0) {
      since = lines[lines.length - 1].at;
    } else if (!since) {
      // nothing yet: follow from now on
      since = new Date(0).toISOString();
    }
    if (!follow || io.signal?.aborted) {
      return;
    }
    await waitFor(io.followIntervalMs ?? 2000, io.signal);
    if (io.signal?.aborted) {
      return;
    }
  }
}

/** Runs one CLI command; resolves to the process exit code (0 ok, 1 failed, 2 usage). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(argv);
  const command = parsed.positional.shift();
  try {
    switch (command) {
      case 'init':
        init(parsed, io);
        return 0;
      case 'publish':
        await publish(parsed, io);
        return 0;
      case 'list':
        await list(io);
        return 0;
      case 'logs':
        await logs(parsed, io);
        return 0;
      case undefined:
      case 'help':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        io.err(`Unknown command ${command}\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof CliError) {
      io.err(err.message);
      return err.exitCode;
    }
    throw err;
  }
}

if (require.main === module) {
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  runCli(process.argv.slice(2), {
    env: process.env,
    cwd: process.cwd(),
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    signal: stop.signal,
  }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
