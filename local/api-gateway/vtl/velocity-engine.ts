import { Compile, Helper, parse } from 'velocityjs';
import { MappingTemplateError } from './errors';
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
 * Known remaining differences: `""` inside a double-quoted literal (Velocity 1.7's escaped quote) is
 * a parse error in velocityjs; `\$name` of an undefined reference drops the backslash.
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
