/**
 * classifyDeploymentLog adapts the log classifier (logs.ts) to what deploy.failed quotes: the
 * primary cause's code and category, its first failing line and its fixes; nothing for a log
 * with no recognisable failure (`log.unknown`).
 */
import type { ClassifiedLog } from './deployment.js';
import { classifyLogText } from './logs.js';

export function classifyDeploymentLog(log: string): ClassifiedLog | undefined {
  const report = classifyLogText(log);
  const primary = report.findings[0];
  if (!primary || report.code === 'log.unknown') return undefined;
  const text = primary.evidence['text'];
  return {
    code: report.code,
    category: report.category,
    ...(typeof text === 'string' ? { line: text } : {}),
    fixes: primary.fixes,
  };
}
