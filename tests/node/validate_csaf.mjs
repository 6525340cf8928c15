// Validate CSAF 2.0 documents with the reference validator (@secvisogram/csaf-validator-lib):
// the official CSAF 2.0 JSON schema (strict: no property the schema does not name) and every
// mandatory test of the standard (section 6.1). Usage: node validate_csaf.mjs FILE...
// Prints one JSON object per file ({file, isValid, failed: [{test, errors}]}) as a JSON
// array on stdout; exits 1 when any document fails.
import { readFileSync } from 'node:fs'
import validateStrict from '@secvisogram/csaf-validator-lib/validateStrict.js'
import * as schemaTests from '@secvisogram/csaf-validator-lib/schemaTests.js'
import * as mandatoryTests from '@secvisogram/csaf-validator-lib/mandatoryTests.js'

const tests = [schemaTests.csaf_2_0_strict, ...Object.values(mandatoryTests)]
const results = []
for (const file of process.argv.slice(2)) {
  const doc = JSON.parse(readFileSync(file, 'utf8'))
  const result = await validateStrict(tests, doc)
  const failed = result.tests
    .filter((t) => !t.isValid || t.errors.length > 0)
    .map((t) => ({ test: t.name, errors: t.errors }))
  results.push({ file, isValid: result.isValid && failed.length === 0, tests: result.tests.length, failed })
}
process.stdout.write(JSON.stringify(results, null, 2) + '\n')
process.exit(results.every((r) => r.isValid) ? 0 : 1)
