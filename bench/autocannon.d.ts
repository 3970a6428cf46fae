/**
 * Types for the part of autocannon's programmatic API the benchmark uses (the package ships none).
 */
declare module 'autocannon' {
  namespace autocannon {
    /** The request autocannon is about to encode; `setupRequest` may change it and must return it. */
    interface RequestParams {
      method?: string;
      path?: string;
      headers: Record<string, string>;
      body?: string | Buffer;
    }

    interface RequestSpec {
      setupRequest?: (request: RequestParams, context: Record<string, unknown>) => RequestParams | null;
    }

    interface Options {
      url: string;
      method?: string;
      headers?: Record<string, string>;
      connections?: number;
      pipelining?: number;
      /** Seconds; ignored when `amount` is set. */
      duration?: number;
      /** Total requests to send; each connection stops after its share, once answered. */
      amount?: number;
      /** Seconds before a request counts as timed out. */
      timeout?: number;
      /** Milliseconds between samples; autocannon notices the end of a run only at a sample. */
      sampleInt?: number;
      requests?: RequestSpec[];
    }

    interface Histogram {
      average: number;
      p50: number;
      p99: number;
      max: number;
    }

    interface Result {
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      '2xx': number;
      statusCodeStats: Record<string, { count: number }>;
      latency: Histogram;
      requests: Histogram & { sent: number };
    }

    /** A running benchmark: a promise of its result, and an emitter of each response. */
    interface Instance extends PromiseLike<Result> {
      on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): this;
      stop(): void;
    }
  }

  function autocannon(options: autocannon.Options): autocannon.Instance;
  export = autocannon;
}
