package io.elasticast.app.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time as Linux counts it: of one process ({@code /proc/PID/stat}, user + system, threads
 * included) and of the whole machine ({@code /proc/stat}), so a benchmark can charge every process
 * it starts and see what else ran beside it.
 */
public final class ProcessCpu {

  /** Clock ticks per second of /proc's counters (USER_HZ; 100 on every Linux this runs on). */
  static final double TICKS_PER_SECOND = 100.0;

  private ProcessCpu() {}

  /** CPU seconds process {@code pid} has used so far; NaN once it is gone. */
  public static double seconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // the command name in parentheses may hold spaces: fields are counted after its ')'
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // after the name: state(0) ... utime(11) stime(12)
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /**
   * The whole machine's busy and total CPU time so far (all cores), in clock ticks from
   * /proc/stat: kept whole, so a fully busy interval reads exactly 1 (-1: not readable).
   */
  public record Machine(long busyTicks, long totalTicks) {

    public static Machine now() {
      try {
        List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
        String[] f = lines.get(0).trim().split("\\s+"); // cpu user nice system idle iowait irq softirq steal
        long total = 0;
        for (int i = 1; i < Math.min(f.length, 9); i++) {
          total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new Machine(total - idle, total);
      } catch (IOException | RuntimeException e) {
        return new Machine(-1, -1);
      }
    }

    /** Busy share of all cores between {@code earlier} and this reading, 0..1. */
    public double busySince(Machine earlier) {
      if (busyTicks < 0 || earlier.busyTicks < 0 || totalTicks <= earlier.totalTicks) {
        return Double.NaN;
      }
      return (double) (busyTicks - earlier.busyTicks) / (totalTicks - earlier.totalTicks);
    }
  }
}
