package io.elasticast.app.dashboard;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * A small JSON writer for the dashboard's payloads: records (their components, by name, in
 * declaration order), collections, maps, strings, numbers, booleans, enums and null.
 *
 * <p>Why not Jackson (on the classpath through the YAML config): the snapshot records belong to
 * {@code live}, which the terminal view shares, and a writer that follows record components keeps
 * the browser's JSON in step with them without annotations or mapper settings to maintain; the
 * output is byte-for-byte predictable for tests. Non-finite numbers, which JSON cannot carry, are
 * written as null.
 */
public final class Json {

  private Json() {}

  public static String write(Object value) {
    StringBuilder out = new StringBuilder(4096);
    write(out, value);
    return out.toString();
  }

  static void write(StringBuilder out, Object v) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof CharSequence s) {
      string(out, s);
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (!Double.isFinite(d)) {
        out.append("null");
      } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
        out.append((long) d); // 3.0 -> 3: shorter, and the same number to a reader
      } else if (v instanceof Float f) {
        out.append(Float.toString(f)); // the float's own shortest form, not its double widening
      } else {
        out.append(Double.toString(d));
      }
    } else if (v instanceof Number || v instanceof Boolean) {
      out.append(v);
    } else if (v instanceof Enum<?> e) {
      string(out, e.name());
    } else if (v instanceof Map<?, ?> m) {
      out.append('{');
      boolean first = true;
      // sorted keys: the same snapshot always gives the same text (change detection compares it)
      for (Map.Entry<String, Object> e : sorted(m).entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        string(out, e.getKey());
        out.append(':');
        write(out, e.getValue());
      }
      out.append('}');
    } else if (v instanceof Collection<?> c) {
      out.append('[');
      boolean first = true;
      for (Object o : c) {
        if (!first) {
          out.append(',');
        }
        first = false;
        write(out, o);
      }
      out.append(']');
    } else if (v.getClass().isRecord()) {
      out.append('{');
      boolean first = true;
      for (RecordComponent rc : v.getClass().getRecordComponents()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        string(out, rc.getName());
        out.append(':');
        write(out, component(v, rc));
      }
      out.append('}');
    } else {
      string(out, v.toString());
    }
  }

  private static Map<String, Object> sorted(Map<?, ?> m) {
    Map<String, Object> s = new TreeMap<>();
    m.forEach((k, val) -> s.put(String.valueOf(k), val));
    return s;
  }

  private static Object component(Object record, RecordComponent rc) {
    try {
      return rc.getAccessor().invoke(record);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("cannot read " + record.getClass().getSimpleName() + "."
          + rc.getName() + ": " + e, e);
    }
  }

  static void string(StringBuilder out, CharSequence s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          // control characters must be escaped; '<' too, so no string can close a <script> block
          // or open a comment if a payload is ever inlined into the page
          if (c < 0x20 || c == '<' || c == 0x2028 || c == 0x2029) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
