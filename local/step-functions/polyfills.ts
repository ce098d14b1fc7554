// aws-local-stepfunctions calls Promise.withResolvers (ES2024), which Node 20 lacks. Installed only
// when missing, so newer Node versions keep their own.

interface PromiseWithResolversPolyfill<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const PromiseConstructor = Promise as PromiseConstructor & { withResolvers?: <T>() => PromiseWithResolversPolyfill<T> };

if (typeof PromiseConstructor.withResolvers !== 'function') {
  Object.defineProperty(PromiseConstructor, 'withResolvers', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function withResolvers<T>(): PromiseWithResolversPolyfill<T> {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export {};
