// Compare versions as a scanner's SemVer library does (npm's node-semver, locked in
// package-lock.json through the CSAF validator): reads one JSON pair [a, b] a line on stdin,
// writes one line each: -1, 0 or 1 (a < b, a == b, a > b), or null when either is no SemVer
// 2.0.0 version (semver.valid, strict: "10.3.1rc1" and "16.3" are not).
import { createInterface } from 'node:readline'
import semver from 'semver'

const lines = createInterface({ input: process.stdin })
for await (const line of lines) {
  const [a, b] = JSON.parse(line)
  const answer = semver.valid(a) && semver.valid(b) ? semver.compare(a, b) : null
  process.stdout.write(JSON.stringify(answer) + '\n')
}
