// smartapp <command> (or npm run smartapp -- <command>): the developer API (docs/contract.md) from a terminal.
//   init [dir | file.js]                  writes a starter SmartApp (dir/smartapp.js; default ./smartapp.js)
//   publish <file> [--id <smartAppId>]    publishes it: a new SmartApp, or a new version of yours
//   dev <file> [--id <smartAppId>]        publishes, then re-publishes on every save and streams the logs
//   list                                  your SmartApps
//   logs <smartAppId> [--installation <id>] [--since <ISO time>] [--follow]
// The platform and the token: --url / --token, else SMARTAPP_URL / SMARTAPP_TOKEN, else the
// config file (--config <file>, else smartapp.config.json in this folder or a parent, else
// ~/.smartapp.json: {"url": "...", "token": "..."}); the URL defaults to http://localhost:3000.
import { existsSync, mkdirSync, readFileSync, statSync, watch, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, extname, join, relative, resolve } from 'node:path';

export interface CliIo {
  env: Record<string, string | undefined>;
  cwd: string;
  out: (line: string) => void;
  err: (line: string) => void;
  /** stops `logs --follow` */
  signal?: AbortSignal;
  /** how often `logs --follow` asks for new lines */
  followIntervalMs?: number;
  /** `dev`: how long after the last change of the file it publishes */
  devDebounceMs?: number;
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
  'usage: smartapp <command> [--url <platform URL>] [--token <developer token>] [--config <file>]',
  '  init [dir | file.js]                     write a starter SmartApp (dir/smartapp.js; default ./smartapp.js)',
  '  publish <file> [--id <smartAppId>]       publish a new SmartApp, or a new version of one of yours',
  '  dev <file> [--id <smartAppId>]           publish, re-publish on every save, and stream the logs',
  '  list                                     list your SmartApps',
  '  logs <smartAppId> [--installation <id>] [--since <ISO time>] [--follow]',
  'settings: --url/--token, else SMARTAPP_URL/SMARTAPP_TOKEN, else smartapp.config.json (this folder or a parent)',
  '          or ~/.smartapp.json with {"url": …, "token": …}; the URL defaults to http://localhost:3000',
].join('\n');

export const CONFIG_FILE = 'smartapp.config.json';

interface Settings {
  url: string | undefined;
  token: string | undefined;
}

function readConfigFile(file: string): Settings {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`Cannot read the config file ${file}: ${err instanceof Error ? err.message : String(err)}`, 2);
  }
  const r = record(parsed);
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return { url: str(r.url), token: str(r.token) };
}

function findConfigFile(start: string, env: CliIo['env']): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, CONFIG_FILE);
    if (existsSync(candidate)) {
      return candidate;
    }
    if (dirname(dir) === dir) {
      break;
    }
  }
  const home = env.HOME ?? homedir();
  const personal = join(home, '.smartapp.json');
  return existsSync(personal) ? personal : undefined;
}

/** Flags win over the environment, which wins over the config file. */
function settingsOf(parsed: Parsed, io: CliIo): Settings {
  const explicit = stringOption(parsed, 'config');
  const file = explicit ? resolve(workDir(io), explicit) : findConfigFile(workDir(io), io.env);
  const fromFile: Settings = file ? readConfigFile(file) : { url: undefined, token: undefined };
  return {
    url: stringOption(parsed, 'url') ?? (io.env.SMARTAPP_URL || undefined) ?? fromFile.url,
    token: stringOption(parsed, 'token') ?? (io.env.SMARTAPP_TOKEN || undefined) ?? fromFile.token,
  };
}

/** The folder the author is in: under `npm run`, npm's INIT_CWD (npm itself runs in the platform's folder). */
function workDir(io: CliIo): string {
  return io.env.npm_lifecycle_event === 'smartapp' && io.env.INIT_CWD ? resolve(io.env.INIT_CWD) : io.cwd;
}

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

  static from(settings: Settings): DeveloperApi {
    const token = settings.token;
    if (!token) {
      throw new CliError('Set SMARTAPP_TOKEN to a developer API token (developer console → API tokens)', 2);
    }
    const base = (settings.url || 'http://localhost:3000').replace(/\/+$/, '');
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

const SOURCE_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts']);

function init(parsed: Parsed, io: CliIo): void {
  const target = resolve(workDir(io), parsed.positional[0] ?? '.');
  // a folder (existing, or a name without a source extension) gets smartapp.js inside it
  const isFolder = (existsSync(target) && statSync(target).isDirectory()) || !SOURCE_EXTENSIONS.has(extname(target));
  const file = isFolder ? join(target, 'smartapp.js') : target;
  if (existsSync(file)) {
    throw new CliError(`${file} already exists; choose another file name`);
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, STARTER_APP);
  const shown = relative(workDir(io), file) || file;
  io.out(`Wrote ${file}. Edit its definition (name, namespace, author), then: smartapp publish ${shown}`);
}

function readSource(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new CliError(`Cannot read ${file}`);
  }
}

async function publish(parsed: Parsed, io: CliIo): Promise<void> {
  const [fileArg] = parsed.positional;
  if (!fileArg) {
    throw new CliError('publish needs a file: smartapp publish app.js', 2);
  }
  const file = resolve(workDir(io), fileArg);
  const source = readSource(file);
  const api = DeveloperApi.from(settingsOf(parsed, io));
  await publishSource(api, source, stringOption(parsed, 'id'), io);
}

/** Publishes `source` (a new SmartApp, or a version of `id` / of the caller's SmartApp of that name); returns its id. */
async function publishSource(api: DeveloperApi, source: string, givenId: string | undefined, io: CliIo): Promise<string> {
  let id = givenId;
  if (!id) {
    const created = await api.call('POST', '', { source });
    const body = record(created.body);
    if (created.status === 201) {
      io.out(`Published ${String(body.namespace)}/${String(body.name)} version ${String(body.version)} (id ${String(body.id)})`);
      return String(body.id);
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
  return id;
}

/** Publishes, then again on every save (an invalid save is reported and the last good version stays), streaming the logs meanwhile. */
async function dev(parsed: Parsed, io: CliIo): Promise<void> {
  const [fileArg] = parsed.positional;
  if (!fileArg) {
    throw new CliError('dev needs a file: smartapp dev smartapp.js', 2);
  }
  const file = resolve(workDir(io), fileArg);
  const api = DeveloperApi.from(settingsOf(parsed, io));
  const id = await publishSource(api, readSource(file), stringOption(parsed, 'id'), io);
  io.out(`Watching ${file}: every save publishes a new version; logs follow (Ctrl-C stops)`);
  let last = readSource(file);
  let timer: NodeJS.Timeout | undefined;
  let publishing = Promise.resolve();
  const republish = () => {
    publishing = publishing.then(async () => {
      let source: string;
      try {
        source = readSource(file);
      } catch {
        return; // an editor replacing the file: the next event has it
      }
      if (source === last) {
        return;
      }
      last = source;
      try {
        await publishSource(api, source, id, io);
      } catch (err) {
        io.err(err instanceof Error ? err.message : String(err));
      }
    });
  };
  // the folder, not the file: editors that save by renaming replace the file's inode
  const watcher = watch(dirname(file), (_event, name) => {
    if (name === null || String(name) === file.slice(dirname(file).length + 1)) {
      clearTimeout(timer);
      timer = setTimeout(republish, io.devDebounceMs ?? 200);
    }
  });
  try {
    await logs({ positional: [id], options: { follow: true, since: new Date().toISOString() } }, io, api);
  } finally {
    clearTimeout(timer);
    watcher.close();
    await publishing;
  }
}

async function list(parsed: Parsed, io: CliIo): Promise<void> {
  const reply = await DeveloperApi.from(settingsOf(parsed, io)).call('GET', '');
  if (reply.status !== 200 || !Array.isArray(reply.body)) {
    throw failure(reply, 'Listing failed');
  }
  if (reply.body.length === 0) {
    io.out('You have no SmartApps yet: smartapp init, then smartapp publish smartapp.js');
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

async function logs(parsed: Parsed, io: CliIo, given?: DeveloperApi): Promise<void> {
  const [id] = parsed.positional;
  if (!id) {
    throw new CliError('logs needs a SmartApp id (smartapp list shows them)', 2);
  }
  const api = given ?? DeveloperApi.from(settingsOf(parsed, io));
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
      case 'dev':
        await dev(parsed, io);
        return 0;
      case 'list':
        await list(parsed, io);
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
