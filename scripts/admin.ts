// npm run admin -- grant <email>   makes an account an administrator
// npm run admin -- revoke <email>  makes it a developer again
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { Account } from '../src/accounts/account.entity';
import { ConfigError, loadConfigFromEnvironment } from '../src/config/app-config';
import { dataSourceOptions } from '../src/database/data-source-options';

async function main(argv: string[]): Promise<number> {
  const [command, email] = argv;
  if ((command !== 'grant' && command !== 'revoke') || !email) {
    console.error('usage: npm run admin -- grant <email> | revoke <email>');
    return 2;
  }
  const db = new DataSource(dataSourceOptions(loadConfigFromEnvironment().database));
  await db.initialize();
  try {
    const result = await db.getRepository(Account).update({ email: email.trim().toLowerCase() }, { role: command === 'grant' ? 'admin' : 'developer' });
    if (!result.affected) {
      console.error(`No account with the email ${email}`);
      return 1;
    }
    console.log(command === 'grant' ? `${email} is now an administrator` : `${email} is no longer an administrator`);
    return 0;
  } finally {
    await db.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? `Configuration error: ${err.message}` : err);
    process.exit(1);
  },
);
