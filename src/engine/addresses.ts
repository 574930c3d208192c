// The normalization lives in the model, so rules compare phone numbers the way sends address them.
export { normalizeAddress } from "../model/addresses.js";
