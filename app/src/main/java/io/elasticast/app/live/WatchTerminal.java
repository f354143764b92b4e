package io.elasticast.app.live;

import java.io.PrintWriter;
import java.util.List;

/**
 * Puts a {@link WatchView} on an output. On a terminal, incident lines scroll above a status table
 * that is redrawn in place (ANSI cursor-up and erase-below: any VT100-style terminal, tmux,
 * screen). Anywhere else (a pipe, a log file) nothing is redrawn: incident lines as they come, and
 * the table as a block every {@code plainEveryMillis}.
 */
public final class WatchTerminal {

  static final String CURSOR_UP = "\033[%dA";
  static final String ERASE_BELOW = "\033[J";

  private final PrintWriter out;
  private final boolean ansi;
  private final long plainEveryMillis;
  private final int width;
  private int tableHeight;
  private long lastPlainMillis = Long.MIN_VALUE / 2;

  /**
   * {@code width}: the terminal's columns; table lines are cut to it so that none wraps (a
   * wrapped line would break the cursor-up redraw).
   */
  public WatchTerminal(PrintWriter out, boolean ansi, long plainEveryMillis, int width) {
    this.out = out;
    this.ansi = ansi;
    this.plainEveryMillis = plainEveryMillis;
    this.width = width;
  }

  /** Whether this process writes to a terminal (both ends of the console are one). */
  public static boolean onTerminal() {
    return System.console() != null;
  }

  /** The terminal's columns ({@code stty size} on the controlling terminal), or 120. */
  public static int columns() {
    try {
      Process p = new ProcessBuilder("sh", "-c", "stty size < /dev/tty")
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (p.waitFor() == 0 && out.matches("\\d+ \\d+")) {
        return Math.max(40, Integer.parseInt(out.split(" ")[1]));
      }
    } catch (Exception e) {
      // no terminal to ask
    }
    return 120;
  }

  /** Prints an incident line above the table. */
  public synchronized void incident(String line) {
    if (line == null) {
      return;
    }
    eraseTable();
    out.println(line);
    tableHeight = 0;
    out.flush();
  }

  /** Shows the table: redrawn in place on a terminal, else printed when due. */
  public synchronized void table(List<String> lines, long nowMillis) {
    if (ansi) {
      eraseTable();
      lines.forEach(l -> out.println(l.length() < width ? l : l.substring(0, Math.max(1, width - 1))));
      tableHeight = lines.size();
    } else if (nowMillis - lastPlainMillis >= plainEveryMillis) {
      lines.forEach(out::println);
      out.println();
      lastPlainMillis = nowMillis;
    }
    out.flush();
  }

  /** Leaves the last table on screen and moves on (before a summary). */
  public synchronized void release() {
    tableHeight = 0;
    lastPlainMillis = Long.MIN_VALUE / 2;
  }

  private void eraseTable() {
    if (ansi && tableHeight > 0) {
      out.print(String.format(CURSOR_UP, tableHeight) + "\r" + ERASE_BELOW);
    }
  }
}
