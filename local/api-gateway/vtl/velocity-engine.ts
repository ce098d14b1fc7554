import { Compile, Helper, parse } from 'velocityjs';
import { MappingTemplateError } from './errors';
import { javaSplit } from './java-regex';
import { JAVA_STRING_METHODS, javaToString } from './java-string';

interface MethodCall {
  property: string;
  context: unknown;
  params: unknown[];
}

/**
 * velocityjs would call the JavaScript method of the same name (JS `replaceAll` takes no regex, JS
 * `length` is not a method) or crash (`'isEmpty' in "text"` throws in its built-in handlers). Every
 * call on a string is therefore answered here; a method Java's String lacks yields undefined, which
 * renders the reference as written, as Velocity does when a method is not found.
 */
const CUSTOM_METHOD_HANDLERS = [
  {
    uid: 'java.lang.String',
    match: ({ context }: MethodCall) => typeof context === 'string',
    resolve: ({ context, property, params }: MethodCall) =>
      Object.hasOwn(JAVA_STRING_METHODS, property) ? JAVA_STRING_METHODS[property]?.(context as string, params) : undefined,
  },
  {
    uid: 'java.lang.Object.equals',
    match: ({ context, property }: MethodCall) => property === 'equals' && (typeof context === 'number' || typeof context === 'boolean'),
    resolve: ({ context, params }: MethodCall) => params[0] === context,
  },
];

type VelocityAst = ReturnType<typeof parse>[number];
type ReferenceAst = Parameters<typeof Helper.getRefText>[0];
type ForeachAst = Extract<VelocityAst, { type: 'foreach' }>;

/**
 * API Gateway's quota "Number of iterations in a #foreach ... #end loop in mapping templates": 1,000,
 * not adjustable (Amazon API Gateway quotas, REST APIs). Velocity's `directive.foreach.maxloops`
 * ends such a loop quietly after that many iterations and renders the rest of the template.
 */
export const MAX_FOREACH_ITERATIONS = 1000;

type ListReferenceAst = ForeachAst['from'];
type Attribute = NonNullable<ListReferenceAst['path']>[number];

/** velocityjs's own #foreach and property-or-method step: mixed into its Compile at runtime, left out of its typings. */
const velocityjs = Compile.prototype as unknown as {
  getBlockEach(block: VelocityAst[]): string;
  getAttributes(attribute: Attribute, base: unknown, reference: ListReferenceAst): unknown;
};

/** A #set right-hand side that was already evaluated (see VelocityEngine.setValue). */
const EVALUATED = 'apigateway-vtl:evaluated';

interface EvaluatedValueAst {
  type: typeof EVALUATED;
  value: unknown;
}

/** Velocity 1.7 `#if`: only null and false are false; an empty string, 0 and empty lists are true. */
function isVelocityTrue(value: unknown): boolean {
  return value !== null && value !== undefined && value !== false;
}

/** Velocity 1.7 `==`: numbers by value, same types by equals, different types by their toString(). */
function velocityEquals(left: unknown, right: unknown): boolean {
  if (left === null || left === undefined || right === null || right === undefined) {
    return (left === null || left === undefined) && (right === null || right === undefined);
  }
  if (typeof left === 'number' && typeof right === 'number') return left === right;
  if (typeof left === typeof right && typeof left !== 'object') return left === right;
  return javaToString(left) === javaToString(right);
}

/**
 * velocityjs unescapes `\"` inside double-quoted string literals; Java Velocity 1.7 keeps both
 * characters (which is also why `"\\'"` reaches `replaceAll` as the regex `\\'`). A `"` in a parsed
 * double-quoted literal can only come from `\"`, so the backslash is put back.
 */
function restoreStringEscapes(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(restoreStringEscapes);
  } else if (typeof node === 'object' && node !== null) {
    const record = node as Record<string, unknown>;
    if (record.type === 'string' && record.isEval === true && typeof record.value === 'string') {
      record.value = record.value.replace(/"/g, '\\"');
    }
    Object.values(record).forEach(restoreStringEscapes);
  }
}

function parseTemplate(template: string): VelocityAst[] {
  let asts: VelocityAst[];
  try {
    asts = parse(template);
  } catch (error) {
    throw new MappingTemplateError(`Invalid mapping template: ${(error as Error).message}`);
  }
  restoreStringEscapes(asts);
  return asts;
}

/**
 * velocityjs's evaluator with the Velocity 1.7 rules API Gateway follows where velocityjs differs:
 * - a null result renders as the reference's own text (`$!` renders nothing), not as "null";
 * - `#set` with a null right-hand side leaves the variable as it was;
 * - `#if`, `!`, `&&`, `||` treat only null and false as false, `==` compares like Velocity.
 * - `#foreach` stops after MAX_FOREACH_ITERATIONS iterations, as API Gateway's does.
 * Known remaining differences: `""` inside a double-quoted literal (Velocity 1.7's escaped quote) is
 * a parse error in velocityjs; `\$name` of an undefined reference drops the backslash; in the last
 * iteration of a loop cut at the limit, `$foreach.hasNext` is false (Velocity: true).
 */
class VelocityEngine extends Compile {
  protected override getReferences(ast: VelocityAst, isVal?: boolean): string {
    const value: unknown = super.getReferences(ast, isVal);
    if (isVal && value === null) {
      const reference = ast as ReferenceAst;
      return this.silence || ('leader' in reference && reference.leader === '$!') ? '' : Helper.getRefText(reference);
    }
    return value as string;
  }

  protected override getLiteral(ast: VelocityAst | EvaluatedValueAst): string {
    if (ast.type === EVALUATED) return ast.value as string;
    return super.getLiteral(ast);
  }

  protected override evalStr(text: string): string {
    // Interpolated strings are parsed again at render time; keep their literals Velocity-faithful too.
    return this.renderAstList(parseTemplate(text), this.contextId);
  }

  protected override setValue(ast: Parameters<Compile['setValue']>[0]): void {
    const [target, source] = ast.equal;
    const value: unknown = source.type === 'math' ? this.getExpression(source) : this.getLiteral(source);
    if (value === null || value === undefined) return;
    const evaluated: EvaluatedValueAst = { type: EVALUATED, value };
    super.setValue({ ...ast, equal: [target, evaluated as unknown as typeof source] });
  }

  protected override getExpression(ast: VelocityAst): string {
    if (ast.type === 'math' && 'expression' in ast && 'operator' in ast) {
      const [left, right] = ast.expression as VelocityAst[];
      const evaluate = (operand: VelocityAst | undefined): unknown => (operand === undefined ? undefined : this.getExpression(operand));
      switch (ast.operator) {
        case 'not':
          return !isVelocityTrue(evaluate(left)) as unknown as string;
        case '&&':
          return (isVelocityTrue(evaluate(left)) && isVelocityTrue(evaluate(right))) as unknown as string;
        case '||':
          return (isVelocityTrue(evaluate(left)) || isVelocityTrue(evaluate(right))) as unknown as string;
        case '==':
          return velocityEquals(evaluate(left), evaluate(right)) as unknown as string;
        case '!=':
          return !velocityEquals(evaluate(left), evaluate(right)) as unknown as string;
      }
    }
    return super.getExpression(ast);
  }

  /**
   * velocityjs's #foreach over at most MAX_FOREACH_ITERATIONS items. The list is evaluated once, here,
   * and handed on already evaluated.
   */
  getBlockEach(block: VelocityAst[]): string {
    const [head, ...body] = block as [ForeachAst, ...VelocityAst[]];
    const from = this.foreachList({ ...head.from, pos: head.pos });
    let items = from;
    if (Array.isArray(from) && from.length > MAX_FOREACH_ITERATIONS) items = from.slice(0, MAX_FOREACH_ITERATIONS);
    else if (typeof from === 'object' && from !== null && !Array.isArray(from)) {
      // velocityjs iterates a map's values, as Velocity does.
      const values = Object.values(from);
      if (values.length > MAX_FOREACH_ITERATIONS) items = values.slice(0, MAX_FOREACH_ITERATIONS);
    }
    const evaluated: EvaluatedValueAst = { type: EVALUATED, value: items };
    return velocityjs.getBlockEach.call(this, [{ ...head, from: evaluated as unknown as ListReferenceAst }, ...body]);
  }

  /**
   * The value of a #foreach list reference. For `$text.split(...)` only the parts the loop can reach
   * are made: a form body of 5 MB is a million fields, and the loop reads a thousand of them.
   */
  private foreachList(from: ListReferenceAst): unknown {
    const path = from.path ?? [];
    const last = path.at(-1);
    if (last?.type !== 'method' || last.id !== 'split') return this.getLiteral(from);
    const text: unknown = this.getLiteral({ ...from, path: path.slice(0, -1) });
    if (typeof text !== 'string') return velocityjs.getAttributes.call(this, last, text, from);
    // velocityjs gives `args: false` for an empty argument list.
    const args = (Array.isArray(last.args) ? last.args : []).map((arg): unknown => this.getLiteral(arg));
    const [regex, limit = 0] = args;
    if (args.length <= 2 && typeof regex === 'string' && typeof limit === 'number' && Number.isInteger(limit)) {
      return javaSplit(text, regex, limit, MAX_FOREACH_ITERATIONS);
    }
    // Anything else gets String.split's own argument checks.
    return JAVA_STRING_METHODS.split?.(text, args);
  }

  /** velocityjs's #if/#elseif/#else with Velocity's notion of true. */
  getBlockIf(block: VelocityAst[]): string {
    const chosen: VelocityAst[] = [];
    let taken = false;
    block.some((ast) => {
      const hasCondition = ast.type === 'if' || ast.type === 'elseif';
      if (!hasCondition && ast.type !== 'else') {
        if (taken) chosen.push(ast);
        return false;
      }
      if (taken) return true;
      taken = hasCondition ? isVelocityTrue(this.getExpression((ast as VelocityAst & { condition: VelocityAst }).condition)) : true;
      return false;
    });
    return this.renderAstList(chosen, this.contextId);
  }
}

/** Renders a template with these variables as Velocity 1.7 does, Java String methods included. */
export function renderVelocity(template: string, variables: Record<string, unknown>): string {
  const engine = new VelocityEngine(parseTemplate(template), {
    escape: false,
    customMethodHandlers: CUSTOM_METHOD_HANDLERS,
  });
  return engine.render(variables);
}
