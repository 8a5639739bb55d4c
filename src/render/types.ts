import type { Artifact, ReportModel } from '../model/types.ts';

/** Options every renderer receives. Renderers read the model and these options, nothing else. */
export interface RenderOptions {
  /** Page size for the PDF (default `a4`). */
  paper?: 'a4' | 'letter';
  /** Chromium executable; else env KUBEPROOF_CHROMIUM, else auto-detected. */
  chromiumPath?: string;
  /** PDF: one file per framework instead of one report. */
  perFramework?: boolean;
  /** Framework ids to keep; applied by renderAll() before any renderer runs. */
  frameworks?: string[];
  /** Injected clock (render time shown beside the model's generatedAt). */
  now?: () => Date;
  /** SHA-256 (hex) of the exact report.json bytes; renderAll() computes it and passes it on. */
  reportSha256?: string;
  /** PDF: milliseconds allowed for each page load and print (default 120000). */
  timeoutMs?: number;
  /** Environment for Chromium auto-detection (default process.env). */
  env?: Record<string, string | undefined>;
}

export interface Renderer {
  format: string;
  render(model: ReportModel, opts: RenderOptions): Promise<Artifact | Artifact[]> | Artifact | Artifact[];
}
