// Preloaded by scripts/run-tests.mjs into every test process (`--import`). uvu prints a failed
// test's `err.details` as a string diff (`details.split('\n')`); Troupe's errors carry an object
// there (`TroupeError.details`), so the reporter itself threw, the failure was printed as a bare
// "(0 / N)" without its message, and the file exited 0. This hook makes uvu's reporter print
// such details as JSON. If uvu's source changes so that the patch no longer applies, the test
// run fails here rather than going back to hiding failures.
import { register } from 'node:module';

register(new URL('./uvu-readable-errors-hooks.mjs', import.meta.url));
