/** Types of render.js (plain JavaScript so the browser loads it as is). */
export interface Names {
  users?: Record<string, string>;
  channels?: Record<string, string>;
}
export interface RenderContext {
  register(el: unknown): number;
  names?: Names;
  errors?: Record<string, string>;
}
export declare const EMOJI: Record<string, string>;
export declare function decode(s: string): string;
export declare function esc(s: unknown): string;
export declare function emoji(html: string): string;
export declare function safeUrl(url: string): string | undefined;
export declare function mrkdwn(src: string, names?: Names): string;
export declare function text(obj: { type: string; text?: string; emoji?: boolean } | undefined, names?: Names): string;
export declare function element(el: Record<string, unknown>, ctx: RenderContext & { blockId: string }): string;
export declare function blocks(list: unknown[] | undefined, ctx: RenderContext): string;
