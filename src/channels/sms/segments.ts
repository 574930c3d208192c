/**
 * How an SMS text is encoded and split (3GPP TS 23.038): GSM-7 when every character is in the
 * default alphabet or its extension table (extension characters count two septets), UCS-2
 * otherwise. One segment holds 160 GSM-7 / 70 UCS-2 units; a concatenated message 153 / 67 per
 * segment (the user data header takes the rest).
 */
const GSM7_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENSION = "^{}\\[~]|€\f";

const basic = new Set([...GSM7_BASIC]);
const extension = new Set([...GSM7_EXTENSION]);

export interface SmsSegments {
  encoding: "GSM-7" | "UCS-2";
  /** Number of SMS parts the text is sent as (0 for an empty text). */
  segments: number;
  /** Units (septets for GSM-7, UTF-16 code units for UCS-2) left in the last segment. */
  charactersLeft: number;
  /** Length in units: GSM-7 septets (extension characters count two) or UTF-16 code units. */
  length: number;
}

export function smsSegments(text: string): SmsSegments {
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    if (basic.has(ch)) septets += 1;
    else if (extension.has(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  const [length, single, multi] = gsm ? [septets, 160, 153] : [text.length, 70, 67];
  const segments = length === 0 ? 0 : length <= single ? 1 : Math.ceil(length / multi);
  const capacity = segments <= 1 ? single : segments * multi;
  return { encoding: gsm ? "GSM-7" : "UCS-2", segments, charactersLeft: capacity - length, length };
}
