/**
 * `npm run sim -- --as <account-id> <service> <Operation> [JSON input]`: one AWS operation sent to the
 * local simulation as the account's administrator (local/sim-cli.ts).
 */
import { main } from '../local/sim-cli';

main();
