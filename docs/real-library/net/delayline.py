# Userspace delay line between two TUN devices in namespaces za and zb (netem is not in this kernel).
# Each IP packet is forwarded after one-way delay L; in "cut" mode every packet is dropped.
# Control: /tmp/realnet/ctl holds "L_ms cut(0|1)"; SIGHUP rereads it.
import os, fcntl, struct, ctypes, select, heapq, signal, time
libc = ctypes.CDLL("libc.so.6", use_errno=True)
CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454ca; IFF_TUN = 0x0001; IFF_NO_PI = 0x1000
def open_tun(ns, name):
    fd = os.open(f"/var/run/netns/{ns}", os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0: raise OSError(ctypes.get_errno(), "setns")
    os.close(fd)
    t = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(t, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    os.set_blocking(t, False)
    return t
a = open_tun("za", "tza"); b = open_tun("zb", "tzb")
state = {"L": 0.0, "cut": False}
def reread(*_):
    try:
        l, c = open("/tmp/realnet/ctl").read().split()
        state["L"] = float(l) / 1000.0; state["cut"] = c == "1"
    except Exception as e:
        pass
signal.signal(signal.SIGHUP, reread); reread()
q = []; seq = 0; other = {a: b, b: a}
while True:
    now = time.monotonic()
    while q and q[0][0] <= now:
        _, _, dst, pkt = heapq.heappop(q)
        try: os.write(dst, pkt)
        except OSError: pass
    timeout = max(0.0, q[0][0] - now) if q else 1.0
    try:
        r, _, _ = select.select([a, b], [], [], timeout)
    except InterruptedError:
        continue
    now = time.monotonic()
    for fd in r:
        while True:
            try: pkt = os.read(fd, 70000)
            except BlockingIOError: break
            if state["cut"]: continue
            seq += 1
            heapq.heappush(q, (now + state["L"], seq, other[fd], pkt))
