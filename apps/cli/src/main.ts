// typeorm loads its SQLite driver with a dynamic require: this static import puts sqlite3 in the
// package.json the build generates (and so in the Docker image's production dependencies).
import 'sqlite3';
import { runCli } from './app/cli';

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
