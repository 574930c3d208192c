/**
 * Rewrites every http(s) URL of an SMS text through `track` (the signed click redirect). A
 * sentence's closing punctuation after a URL stays outside it.
 */
export function trackSmsLinks(text: string, track: (url: string, index: number) => string): string {
  let index = 0;
  return text.replace(/https?:\/\/[^\s<>"]+/gi, (match) => {
    const url = match.replace(/[.,;:!?)\]'»]+$/, "");
    return track(url, index++) + match.slice(url.length);
  });
}
