// List functions. Lambdas (`x => x.amount > 10`) are evaluated by the evaluator, which charges every
// node of every call against the evaluation's step budget; each element visited costs a step here too.
import { checkedList, FunctionError, kindOf, listArg, type Fn, type Lambda } from './fn.js';
import { finite } from './numbers.js';
import { asNumber, truthy } from './values.js';

export const LIST_FUNCTIONS: Record<string, Fn> = {
  append: {
    arity: [2],
    apply: ([list, item], cx) => {
      const l = listArg(list, 'append');
      cx.charge(l.length + 1);
      return checkedList([...l, item], 'append');
    },
  },
  filter: {
    arity: [2],
    lambdas: [1],
    apply: ([list, keep], cx) => {
      const l = listArg(list, 'filter');
      const f = keep as Lambda;
      cx.charge(l.length);
      return l.filter((v) => truthy(f(v)));
    },
  },
  map: {
    arity: [2],
    lambdas: [1],
    apply: ([list, each], cx) => {
      const l = listArg(list, 'map');
      const f = each as Lambda;
      cx.charge(l.length);
      return l.map((v) => f(v));
    },
  },
  sum: {
    arity: [1, 2],
    lambdas: [1],
    apply: ([list, each], cx) => {
      const l = listArg(list, 'sum');
      const f = each as Lambda | undefined;
      cx.charge(l.length);
      let total = 0;
      l.forEach((v, i) => {
        const x = f ? f(v) : v;
        const n = asNumber(x);
        if (n === undefined || !Number.isFinite(n))
          throw new FunctionError(`sum needs numbers, but element ${i} is ${kindOf(x)}${typeof x === 'string' ? ` ${JSON.stringify(x.slice(0, 40))}` : ''}`);
        total += n;
      });
      return finite(total, 'the sum');
    },
  },
};
