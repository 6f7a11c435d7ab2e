import { testPayload } from '../../../api/queue/fixtures.js';
import { parsePayload } from '../../../api/queue/payload.js';
const r = testPayload(); console.log(JSON.stringify(r.workflow), JSON.stringify(parsePayload(r).workflow));
