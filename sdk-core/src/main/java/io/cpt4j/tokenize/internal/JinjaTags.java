package io.cpt4j.tokenize.internal;

import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import java.util.LinkedHashMap;
import java.util.Map;
import jinjava.javax.el.ELException;

/**
 * Block tags chat templates use that Jinjava lacks: transformers' {@code {% generation %}} (its
 * body, as when no assistant mask is asked for) and Jinja2's {@code {% with %}} and
 * {@code {% filter %}}. Stateless; thread-safe.
 */
final class JinjaTags {
  private JinjaTags() {}

  static void register(Context globals) {
    globals.registerTag(new GenerationTag());
    globals.registerTag(new WithTag());
    globals.registerTag(new FilterTag());
  }

  /** {@code {% generation %}...{% endgeneration %}} (transformers' assistant-mask marker): its body. */
  private static final class GenerationTag implements Tag {
    private static final long serialVersionUID = 1L;

    @Override
    public String getName() {
      return "generation";
    }

    @Override
    public String getEndTagName() {
      return "endgeneration";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
      JinjavaInterpreter.InterpreterScopeClosable scope = interpreter.enterScope(); // a CallBlock's scope
      try {
        return renderChildren(tagNode, interpreter);
      } finally {
        scope.close();
      }
    }
  }

  /** {@code {% with a = 1, b = x %}...{% endwith %}}: the body in a scope holding those variables. */
  private static final class WithTag implements Tag {
    private static final long serialVersionUID = 1L;

    @Override
    public String getName() {
      return "with";
    }

    @Override
    public String getEndTagName() {
      return "endwith";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
      Map<String, Object> values = new LinkedHashMap<>();
      for (String assignment : JinjaExpressions.splitTopLevel(tagNode.getHelpers(), ',')) {
        int eq = assignment.indexOf('=');
        if (eq < 0) {
          throw new ELException("with: expected name = value, got '" + assignment.strip() + "'");
        }
        values.put(assignment.substring(0, eq).strip(),
            interpreter.resolveELExpression(assignment.substring(eq + 1), tagNode.getLineNumber()));
      }
      JinjavaInterpreter.InterpreterScopeClosable scope = interpreter.enterScope();
      try {
        values.forEach(interpreter.getContext()::put);
        return renderChildren(tagNode, interpreter);
      } finally {
        scope.close();
      }
    }
  }

  /** {@code {% filter upper %}...{% endfilter %}}: the body's text through the filters. */
  private static final class FilterTag implements Tag {
    private static final long serialVersionUID = 1L;

    @Override
    public String getName() {
      return "filter";
    }

    @Override
    public String getEndTagName() {
      return "endfilter";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
      JinjavaInterpreter.InterpreterScopeClosable scope = interpreter.enterScope();
      try {
        interpreter.getContext().put("__cpt4j_filtered", renderChildren(tagNode, interpreter));
        return PyValues.str(interpreter.resolveELExpression("__cpt4j_filtered|" + tagNode.getHelpers().strip(),
            tagNode.getLineNumber()));
      } finally {
        scope.close();
      }
    }
  }

  private static String renderChildren(TagNode tagNode, JinjavaInterpreter interpreter) {
    StringBuilder out = new StringBuilder();
    for (Node child : tagNode.getChildren()) {
      out.append(child.render(interpreter).getValue());
    }
    return out.toString();
  }
}
