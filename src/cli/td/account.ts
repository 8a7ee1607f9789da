// td apikey:show / apikey:set / server:status / server:endpoint (spec §3.1).
// apikey:set and server:endpoint write the config file (see config.ts for its format).

import type { Command } from 'commander';
import { parseEndpoint } from '../../td/endpoint.js';
import { TdConfigError, TdConfigFile } from './config.js';
import { CliError, PROG } from './context.js';
import type { CommandEnv } from './program.js';

export function registerAccount(program: Command, env: CommandEnv): void {
  program
    .command('apikey:show')
    .alias('apikey')
    .description('Show Treasure Data API key')
    .action(() => {
      const ctx = env.ctx();
      let key: string | undefined;
      try {
        key = ctx.settings.apikey;
      } catch (e) {
        if (!(e instanceof TdConfigError)) throw e;
      }
      if (!key) {
        throw new CliError(['Account is not configured yet.', `Use '${PROG} apikey:set' first.`]);
      }
      ctx.puts(key);
    });

  program
    .command('apikey:set')
    .description('Set Treasure Data API key')
    .argument('<apikey>')
    .option('-f, --force', 'overwrite current account setting')
    .action((apikey: string, opts: { force?: boolean }) => {
      const ctx = env.ctx();
      const path = ctx.settings.configPath;
      const conf = TdConfigFile.readOrEmpty(path);
      if (conf.get('account.apikey') && !opts.force) {
        const user = conf.get('account.user');
        ctx.warn(
          user ? `Account is already configured with '${user}' account.` : 'Account is already configured.',
        );
        ctx.warn("Add '-f' option to overwrite.");
        return;
      }
      conf.delete('account.user');
      conf.set('account.apikey', apikey);
      conf.save(path);
      ctx.puts('API key is set.');
      ctx.puts(`Use '${PROG} db:create <db_name>' to create a database.`);
    });

  program
    .command('server:status')
    .alias('server')
    .description('Show status of the Treasure Data server')
    .action(async () => {
      const ctx = env.ctx();
      const client = ctx.anonymousClient();
      try {
        ctx.puts(await client.serverStatus());
      } finally {
        client.close();
      }
    });

  program
    .command('server:endpoint')
    .description("Set the Treasure Data API server's endpoint (must be a valid URI)")
    .argument('<api_endpoint>')
    .action(async (endpoint: string) => {
      const ctx = env.ctx();
      if (ctx.flags.endpoint && ctx.flags.endpoint.replace(/\/+$/, '') !== endpoint.replace(/\/+$/, '')) {
        throw new CliError([
          'Error: You specified the API server endpoint in the command options as well (-e / --endpoint ' +
            "option) but it does not match the value provided to the 'server:endpoint' command. " +
            'Please remove the option or ensure the endpoints URLs match each other.',
        ]);
      }
      try {
        parseEndpoint(endpoint);
      } catch (e) {
        throw new CliError([`Error: ${(e as Error).message}`]);
      }
      const probe = ctx.anonymousClient(endpoint);
      try {
        await probe.serverStatus();
      } catch {
        throw new CliError([`Error: The specified API server endpoint (${endpoint}) does not respond.`]);
      } finally {
        probe.close();
      }
      const path = ctx.settings.configPath;
      const conf = TdConfigFile.readOrEmpty(path);
      conf.set('account.endpoint', endpoint);
      conf.save(path);
    });
}
