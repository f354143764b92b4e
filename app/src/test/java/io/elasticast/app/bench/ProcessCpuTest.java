package io.elasticast.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcessCpuTest {

  @Test
  void shouldCountThisProcessesCpuAsItWorks() {
    long pid = ProcessHandle.current().pid();
    double before = ProcessCpu.seconds(pid);
    ProcessCpu.Machine machine = ProcessCpu.Machine.now();
    long end = System.nanoTime() + 300_000_000L;
    double x = 0;
    while (System.nanoTime() < end) {
      x += Math.sqrt(x + 1);
    }
    assertThat(x).isPositive();
    double after = ProcessCpu.seconds(pid);
    assertThat(before).isPositive();
    assertThat(after - before).isBetween(0.1, 5.0);
    double busy = ProcessCpu.Machine.now().busySince(machine);
    assertThat(busy).isBetween(0.05, 1.0);
    assertThat(ProcessCpu.seconds(Long.MAX_VALUE)).isNaN();
  }
}
