#!/usr/bin/env python3
"""Replays the attacks of issue 15 against an `opsd` binary and prints what each did
to its memory and time: `python3 benches/attacks/run.py target/release/opsd`.

Every attack starts a fresh server on a temporary database, on loopback only, and
is bounded in count and time. Run it against an older build to compare.
"""
import hashlib, os, re, socket, sqlite3, subprocess, sys, tempfile, threading, time

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/opsd")
ONLY = set(sys.argv[2:])


def sign(body, key):
    inner = hashlib.md5(body + key.encode()).hexdigest()
    return hashlib.md5(inner.encode() + key.encode()).hexdigest()


def envelope(action, obj, attrs):
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='no' ?><OPS_envelope><header><version>0.9</version></header>"
        f"<body><data_block><dt_assoc><item key=\"protocol\">XCP</item><item key=\"action\">{action}</item>"
        f"<item key=\"object\">{obj}</item><item key=\"attributes\"><dt_assoc>{attrs}</dt_assoc></item>"
        "</dt_assoc></data_block></body></OPS_envelope>"
    ).encode()


class Server:
    def __init__(self, env=None, scenario=None):
        self.dir = tempfile.mkdtemp(prefix="opsd-attack-")
        self.db = os.path.join(self.dir, "opsd.db")
        e = dict(os.environ, OPSD_DB=self.db, OPSD_LISTEN="127.0.0.1:0",
                 OPSD_TLS_LISTEN="off", RUST_LOG="opsd=warn,opsd::http=error")
        if scenario:
            path = os.path.join(self.dir, "scenario.toml")
            open(path, "w").write(scenario)
            e["OPSD_SCENARIO"] = path
        e.update(env or {})
        self.env = e
        subprocess.run([BIN, "reseller", "add", "testuser", "--key", "testkey"], env=e,
                       check=False, capture_output=True, timeout=60)
        e = dict(e, RUST_LOG="opsd=info")
        self.p = subprocess.Popen([BIN, "serve"], env=e, stderr=subprocess.PIPE, text=True)
        for line in self.p.stderr:
            m = re.search(r"listen=(\S+)", line)
            if m:
                host, port = m.group(1).rsplit(":", 1)
                self.addr = (host, int(port))
                break
        threading.Thread(target=lambda: [None for _ in self.p.stderr], daemon=True).start()

    def status(self, field):
        for line in open(f"/proc/{self.p.pid}/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024
        return -1

    def request(self, raw, source=None, timeout=30):
        s = socket.socket()
        s.settimeout(timeout)
        if source:
            s.bind((source, 0))
        s.connect(self.addr)
        s.sendall(raw)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            out += chunk
        s.close()
        return out

    def ops(self, body, user="testuser", key="testkey", sig=None):
        head = (f"POST / HTTP/1.0\r\nContent-Type: text/xml\r\nX-Username: {user}\r\n"
                f"X-Signature: {sig or sign(body, key)}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        return self.request(head + body)

    def stop(self):
        self.p.kill()
        self.p.wait()


def report(name, text):
    print(f"{name}: {text}", flush=True)


def sparse_keys():
    s = Server()
    base = s.status("VmHWM")
    arrays = "".join(f"<item key=\"a{i}\"><dt_array><item key=\"199999\"/></dt_array></item>" for i in range(20))
    body = envelope("SIMPLE_TRANSFER", "DOMAIN", arrays)
    reply = s.ops(body)
    code = re.search(rb'response_code">(\d+)', reply)
    report("15.1 signed 1 KB body of far array keys",
           f"{len(body)} bytes, code {code.group(1).decode() if code else '?'}, peak memory {base} -> {s.status('VmHWM')} MiB")
    s.stop()
    s = Server()
    base = s.status("VmHWM")
    pad = " " * (300 * 1024)
    body = envelope("SIMPLE_TRANSFER", "DOMAIN", arrays * 5 + pad)
    reply = s.ops(body, sig="0" * 32)
    code = re.search(rb'response_code">(\d+)', reply)
    report("15.1 unsigned 300 KB body of far array keys, known user",
           f"code {code.group(1).decode() if code else '?'}, peak memory {base} -> {s.status('VmHWM')} MiB")
    s.stop()


def unknown_bodies():
    s = Server()
    base = s.status("VmHWM")
    body = b" " * (16 << 20)

    def one():
        head = (f"POST / HTTP/1.1\r\nHost: x\r\nX-Username: nobody\r\nX-Signature: {'0'*32}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        s.request(head + body, timeout=60)

    t0 = time.time()
    ts = [threading.Thread(target=one) for _ in range(50)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    report("15.5 fifty 16 MiB bodies at once from an unknown user",
           f"peak memory {base} -> {s.status('VmHWM')} MiB in {time.time() - t0:.1f} s")
    s.stop()


def logins():
    s = Server()
    base = s.status("VmHWM")

    def one(i):
        body = f'{{"credentials": {{"user": "nobody{i}", "password": "guess"}}}}'.encode()
        head = (f"POST /api/authenticate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        s.request(head + body, timeout=120)

    t0 = time.time()
    ts = [threading.Thread(target=one, args=(i,)) for i in range(128)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    took = time.time() - t0
    time.sleep(2)
    report("15.2 128 concurrent logins of unknown users",
           f"peak memory {base} -> {s.status('VmHWM')} MiB, {s.status('VmRSS')} MiB 2 s later, {took:.1f} s")
    s.stop()
    s = Server()
    locked = None
    for i in range(300):
        body = b'{"credentials": {"user": "admin", "password": "guess"}}'
        head = (f"POST /api/authenticate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        if b"Too many failed" in s.request(head + body):
            locked = i
            break
    report("15.2 300 wrong passwords in a row",
           f"refused from attempt {locked + 1} on" if locked is not None else "never locked")
    s.stop()


def locked_store():
    s = Server()
    s.ops(envelope("SIMPLE_TRANSFER", "DOMAIN", domain_list(["warm.com"])))
    lock = sqlite3.connect(s.db, timeout=30)
    lock.execute("BEGIN IMMEDIATE")
    ts = [threading.Thread(target=s.ops, args=(envelope("SIMPLE_TRANSFER", "DOMAIN", domain_list([f"w{i}.com"])),))
          for i in range(4)]
    [t.start() for t in ts]
    time.sleep(0.3)
    t0 = time.time()
    s.request(b"GET /healthz HTTP/1.0\r\n\r\n", timeout=30)
    took = time.time() - t0
    time.sleep(max(0, 8 - took))
    lock.rollback()
    [t.join() for t in ts]
    report("15.9 /healthz while another process holds the write lock for 8 s", f"{took*1000:.0f} ms")
    s.stop()


def domain_list(names):
    items = "".join(f"<item key=\"{i}\"><dt_assoc><item key=\"domain_name\">{n}</item><item key=\"auth_info\">x</item></dt_assoc></item>"
                    for i, n in enumerate(names))
    return f"<item key=\"domain_list\"><dt_array>{items}</dt_array></item>"


def connections():
    s = Server()
    held = []
    for src in range(2, 11):
        for _ in range(118):
            try:
                c = socket.socket()
                c.bind((f"127.0.0.{src}", 0))
                c.connect(s.addr)
                c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                c.settimeout(5)
                c.recv(256)
                held.append(c)
            except OSError:
                break
    silent = []
    for _ in range(100):
        try:
            c = socket.socket()
            c.bind(("127.0.0.11", 0))
            c.connect(s.addr)
            silent.append(c)
        except OSError:
            break
    t0 = time.time()
    reply = s.request(b"GET /healthz HTTP/1.0\r\n\r\n", source="127.0.0.20", timeout=15)
    took = time.time() - t0
    served = reply.endswith(b"ok\n")
    report(f"15.3 a new client while {len(held)} keep-alive and {len(silent)} silent sockets are open",
           f"{'served' if served else 'not served'} in {took*1000:.0f} ms")
    [c.close() for c in held + silent]
    s.stop()


SCENARIO = """
[[reseller]]
username = "gainingrsp"
key = "gainkey"
push_enabled = true
accepts_pushes_from = ["pusher"]
webhook_url = "http://127.0.0.1:{port}/hook"
webhook_secret = "s"
[[reseller]]
username = "pusher"
key = "pushkey"
push_enabled = true
[[profile]]
reseller = "pusher"
username = "owner1"
password = "pw1"
domains = [{domains}]
"""


def silent_webhook():
    hook = socket.socket()
    hook.bind(("127.0.0.1", 0))
    hook.listen(64)
    held = []
    threading.Thread(target=lambda: [held.append(hook.accept()) for _ in range(64)], daemon=True).start()
    names = [f"d{i}.com" for i in range(12)]
    s = Server(scenario=SCENARIO.format(port=hook.getsockname()[1], domains=", ".join(f'"{n}"' for n in names)))
    for n in names[:10]:
        s.ops(envelope("RSP2RSP_PUSH_TRANSFER", "DOMAIN",
                       f"<item key=\"domain\">{n}</item><item key=\"grsp\">gainingrsp</item>"), "pusher", "pushkey")
    time.sleep(0.5)
    t0 = time.time()
    reply = s.ops(envelope("SUBMIT_BULK_CHANGE", "BULK_CHANGE",
                           "<item key=\"change_type\">push_domains</item><item key=\"change_items\">d11.com</item>"
                           "<item key=\"gaining_reseller_username\">gainingrsp</item>"), "pusher", "pushkey")
    job = re.search(rb'bulk_change_req_id">(\d+)', reply).group(1).decode()
    get = envelope("GET_BULK_CHANGE", "BULK_CHANGE", f"<item key=\"bulk_change_req_id\">{job}</item>")
    while b'status">completed' not in s.ops(get, "pusher", "pushkey") and time.time() - t0 < 120:
        time.sleep(0.05)
    report("15.10 a one-item bulk push while ten webhook deliveries wait on a silent endpoint",
           f"done in {(time.time() - t0) * 1000:.0f} ms")
    s.stop()


for name, attack in [("sparse", sparse_keys), ("bodies", unknown_bodies), ("logins", logins),
                     ("locked", locked_store), ("connections", connections), ("webhook", silent_webhook)]:
    if not ONLY or name in ONLY:
        attack()
