// The CWE catalogue the reference validator checks CWE names against (mandatory test
// 6.1.11), as JSON {"version": ..., "names": {"CWE-79": "..."}}: releasekit ships it as
// releasekit/schemas/cwe-names.json (tests/node/test_csaf_validator.py keeps the two equal).
import { weaknesses } from '@secvisogram/csaf-validator-lib/cwe.js'

const names = Object.fromEntries(
  [...weaknesses].sort((a, b) => Number(a.id.slice(4)) - Number(b.id.slice(4))).map((w) => [w.id, w.name]),
)
process.stdout.write(JSON.stringify({ source: '@secvisogram/csaf-validator-lib cwe.js (CWE 4.17)', names }, null, 1) + '\n')
