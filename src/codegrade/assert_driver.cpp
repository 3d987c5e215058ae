#include "codegrade/assert_driver.hpp"

namespace trafl::codegrade {

namespace {

const char* kAssertDriver = R"PY(
import json, time, signal, select
class _TestTimeout(BaseException):
    pass
class _WorkerGone(Exception):
    pass
class _CandidateError(Exception):
    pass
_LIMIT = 1 << 26   # bytes of one message either way

def _send(fd, obj):
    data = json.dumps(obj, ensure_ascii=True).encode()
    if len(data) > _LIMIT:
        raise ValueError('value too large to pass (%d bytes)' % len(data))
    data = len(data).to_bytes(8, 'little') + data
    while data:
        data = data[os.write(fd, data):]

def _recv(fd):
    def exactly(n):
        parts = []
        while n:
            b = os.read(fd, min(n, 1 << 20))
            if not b:
                raise EOFError
            parts.append(b)
            n -= len(b)
        return b''.join(parts)
    n = int.from_bytes(exactly(8), 'little')
    if n > _LIMIT:
        raise ValueError('message too large')
    return json.loads(exactly(n))

# Values cross the pipes as JSON: plain values as themselves, containers and other builtin types
# tagged ({"tuple": [...]}), anything else as a handle {"ref": k} to the object kept in the worker.
def _enc(x, ref):
    t = type(x)
    if x is None or t is bool or t is str or t is int or t is float:
        return x
    if t is list:
        return {'list': [_enc(v, ref) for v in x]}
    if t is tuple:
        return {'tuple': [_enc(v, ref) for v in x]}
    if t is dict:
        return {'dict': [[_enc(k, ref), _enc(v, ref)] for k, v in x.items()]}
    if t is set:
        return {'set': [_enc(v, ref) for v in x]}
    if t is frozenset:
        return {'frozenset': [_enc(v, ref) for v in x]}
    if t is bytes or t is bytearray:
        return {t.__name__: x.decode('latin-1')}
    if t is complex:
        return {'complex': [x.real, x.imag]}
    if t is range:
        return {'range': [x.start, x.stop, x.step]}
    # Builtin types and functions by name (MBPP passes int, str, float to functions).
    n = getattr(x, '__name__', None)
    if type(n) is str and getattr(builtins, n, None) is x:
        return {'builtin': n}
    # Subclasses of the builtin types compare as their base does (a namedtuple equals a tuple, a
    # Counter or an OrderedDict a dict, an IntEnum an int): they cross as that base.
    if isinstance(x, int):
        return int(x)
    if isinstance(x, float):
        return float(x)
    if isinstance(x, str):
        return str.__str__(x)
    if isinstance(x, tuple):
        return {'tuple': [_enc(v, ref) for v in tuple.__iter__(x)]}
    if isinstance(x, list):
        return {'list': [_enc(v, ref) for v in list.__iter__(x)]}
    if isinstance(x, dict):
        return {'dict': [[_enc(k, ref), _enc(v, ref)] for k, v in dict.items(x)]}
    if isinstance(x, (set, frozenset)):
        return {'set' if isinstance(x, set) else 'frozenset': [_enc(v, ref) for v in x]}
    name = t.__module__ + '.' + t.__qualname__
    if name == 'collections.deque':
        return {'deque': [_enc(v, ref) for v in x]}
    if name == 'fractions.Fraction':
        return {'Fraction': [x.numerator, x.denominator]}
    if name == 'decimal.Decimal':
        return {'Decimal': str(x)}
    return ref(x)

def _dec(x, ref):
    if type(x) is not dict:
        return [_dec(v, ref) for v in x] if type(x) is list else x
    (tag, v), = x.items()
    if tag == 'list':
        return [_dec(e, ref) for e in v]
    if tag == 'tuple':
        return tuple(_dec(e, ref) for e in v)
    if tag == 'dict':
        return {_dec(k, ref): _dec(e, ref) for k, e in v}
    if tag == 'set':
        return {_dec(e, ref) for e in v}
    if tag == 'frozenset':
        return frozenset(_dec(e, ref) for e in v)
    if tag == 'bytes':
        return v.encode('latin-1')
    if tag == 'bytearray':
        return bytearray(v.encode('latin-1'))
    if tag == 'complex':
        return complex(v[0], v[1])
    if tag == 'range':
        return range(v[0], v[1], v[2])
    if tag == 'ref':
        return ref(v)
    if tag == 'builtin':
        return getattr(builtins, str(v))
    if tag == 'deque':
        import collections
        return collections.deque(_dec(e, ref) for e in v)
    if tag == 'Fraction':
        import fractions
        return fractions.Fraction(int(v[0]), int(v[1]))
    if tag == 'Decimal':
        import decimal
        return decimal.Decimal(str(v))
    raise ValueError('unknown tag %r' % tag)

class _Interrupted(BaseException):
    pass

def _worker(rq, rp, texts):
    # The candidate's process. It starts before the judge reads its secret and keeps nothing of
    # the judge's: stdin and stdout are /dev/null, every fd but stderr and its two pipes is closed.
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    lo, hi = min(rq, rp), max(rq, rp)
    os.closerange(3, lo)
    os.closerange(lo + 1, hi)
    os.closerange(hi + 1, 1 << 20)
    sys.stdin = open(os.devnull)
    sys.stdout = open(os.devnull, 'w')
    # SIGUSR1 from the judge stops a call that ran out of time; between calls it is ignored, so a
    # late one cannot break a reply or the next call.
    in_call = [False]
    def on_usr1(signum, frame):
        if in_call[0]:
            in_call[0] = False
            raise _Interrupted()
    signal.signal(signal.SIGUSR1, on_usr1)
    objs, by_id = [], {}
    def ref(x):
        k = by_id.get(id(x))
        if k is None:
            k = by_id[id(x)] = len(objs)
            objs.append(x)
        return {'ref': k}
    def deref(k):
        return objs[k]
    g = {'__name__': '__main__', '__builtins__': builtins}
    before = None
    try:
        for name in ('prelude.py', 'solution.py', 'setup.py'):
            if name == 'solution.py':
                before = dict(g)
            if texts[name]:
                exec(compile(texts[name], name, 'exec'), g)
    except BaseException as e:
        _send(rp, {'load': type(e).__name__ + ': ' + str(e)[:300]})
        return
    names = {}
    for n, v in list(g.items()):
        if n.startswith('__') or (n in before and before[n] is v):
            continue
        t = type(v)
        if t is type(os):
            names[n] = {'module': v.__name__}
        elif v is None or t is bool or t is int or t is float or (t is str and len(v) < 4096):
            names[n] = v
        else:
            names[n] = ref(v)  # functions, classes, containers: a handle (never copied)
    _send(rp, {'names': names})
    while True:
        try:
            req = _recv(rq)
        except BaseException:
            return
        seq, op = req[0], req[1]
        c0 = time.process_time()
        try:
            in_call[0] = True
            obj = objs[req[2]]
            if op == 'call':
                args = _dec(req[3], deref)
                kwargs = {k: _dec(v, deref) for k, v in req[4].items()}
                value = obj(*args, **kwargs)
                back = [[i, _enc(a, ref)] for i, a in enumerate(args) if type(a) in (list, dict, set, bytearray)]
            elif op == 'getattr':
                value, back = getattr(obj, req[3]), []
            elif op == 'iter':
                value, back = iter(obj), []
            elif op == 'next':
                value, back = next(obj), []
            elif op == 'len':
                value, back = len(obj), []
            elif op == 'getitem':
                value, back = obj[_dec(req[3], deref)], []
            else:
                value, back = repr(obj)[:1000], []
            in_call[0] = False
            reply = [seq, 'ok', _enc(value, ref), back]
        except _Interrupted:
            reply = [seq, 'interrupted']
        except BaseException as e:
            in_call[0] = False
            try:
                reply = [seq, 'exc', type(e).__name__, str(e)[:300]]
            except BaseException:
                reply = [seq, 'exc', 'Exception', '?']
        in_call[0] = False
        reply.append(time.process_time() - c0)
        _send(rp, reply)

def _nodump():
    # PR_SET_DUMPABLE 0: a process of the same uid can then open neither /proc/<pid>/fd/* nor
    # /proc/<pid>/mem of this one; ptrace is refused by seccomp already.
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(4, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), 'prctl(PR_SET_DUMPABLE, 0)')

def _main():
    spec = json.loads(_read('tests.json'))
    texts = {name: _read(name) for name in ('prelude.py', 'solution.py', 'setup.py')}
    out = sys.stdout
    def rec(kind, nonce, *fields):
        out.write('\nTRAFL-' + kind + ' ' + nonce + ' ' + ' '.join(str(f) for f in fields) + '\n')
        out.flush()
    try:
        _nodump()
        rq, wq = os.pipe()
        rp, wp = os.pipe()
        pid = os.fork()
    except BaseException as e:
        rec('SETUP', sys.stdin.readline().strip(), json.dumps(type(e).__name__ + ': ' + str(e)[:300]))
        return
    if pid == 0:
        try:
            os.close(wq)
            os.close(rp)
            _worker(rq, wp, texts)
        finally:
            os._exit(0)
    os.close(rq)
    os.close(wp)
    # The secret is read only now, by the judge alone: the worker never had it in its memory.
    nonce = sys.stdin.readline().strip()
    sys.stdin = open(os.devnull)
    state = {'seq': 0, 'cpu': 0.0, 'dead': None}
    def reap():
        if state['dead'] is None:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            _, status = os.waitpid(pid, 0)
            if os.WIFSIGNALED(status):
                state['dead'] = 'killed by signal %d' % os.WTERMSIG(status)
            else:
                state['dead'] = 'exit status %d' % os.WEXITSTATUS(status)
        return state['dead']
    remotes = {}
    def remote(k):
        r = remotes.get(k)
        if r is None:
            r = remotes[k] = _Remote(k)
        return r
    def enc_arg(x):
        def no_local(v):
            if type(v) is _Remote:
                return {'ref': v._k}
            raise TypeError('cannot pass a %s to the program under test' % type(v).__name__)
        return _enc(x, no_local)
    def rpc(op, k, *rest, args=None):
        if state['dead'] is not None:
            raise _WorkerGone(state['dead'])
        state['seq'] += 1
        seq = state['seq']
        try:
            _send(wq, [seq, op, k] + list(rest))
            reply = _recv(rp)
        except (EOFError, OSError):
            raise _WorkerGone(reap())
        except _TestTimeout:
            # Stop the call: the worker's SIGUSR1 handler raises inside it. One that does not answer
            # within a second is killed, and later tests fail.
            try:
                os.kill(pid, signal.SIGUSR1)
                while select.select([rp], [], [], 1.0)[0]:
                    if _recv(rp)[0] == seq:
                        break
                else:
                    reap()
            except BaseException:
                reap()
            raise
        if type(reply) is not list or len(reply) < 3 or reply[0] != seq:
            reap()
            raise _WorkerGone('malformed reply')
        state['cpu'] += float(reply[-1])
        if reply[1] == 'ok':
            for i, new in reply[3]:
                old, new = args[i], _dec(new, remote)
                if type(old) is type(new) and type(old) in (list, bytearray):
                    old[:] = new
                elif type(old) is type(new) and type(old) in (dict, set):
                    old.clear()
                    old.update(new)
            return _dec(reply[2], remote)
        if reply[1] == 'interrupted':
            raise _TestTimeout()
        name, msg = str(reply[2]), str(reply[3])
        cls = getattr(builtins, name, None)
        if isinstance(cls, type) and issubclass(cls, Exception) and cls.__module__ == 'builtins':
            try:
                exc = cls(msg)
            except Exception:
                exc = _CandidateError(name + ': ' + msg)
        else:
            exc = _CandidateError(name + ': ' + msg)
        raise exc
    class _Remote:
        __slots__ = ('_k',)
        def __init__(self, k):
            self._k = k
        def __call__(self, *args, **kwargs):
            a = list(args)
            return rpc('call', self._k, [enc_arg(x) for x in a], {n: enc_arg(v) for n, v in kwargs.items()}, args=a)
        def __getattr__(self, name):
            if name.startswith('__'):
                raise AttributeError(name)
            return rpc('getattr', self._k, name)
        def __iter__(self):
            return rpc('iter', self._k)
        def __next__(self):
            return rpc('next', self._k)
        def __len__(self):
            return rpc('len', self._k)
        def __getitem__(self, key):
            return rpc('getitem', self._k, enc_arg(key))
        def __repr__(self):
            return rpc('repr', self._k)
    try:
        first = _recv(rp)
    except BaseException:
        rec('LOAD', nonce, json.dumps('the program ended while loading (%s)' % reap()))
        return
    if 'load' in first:
        rec('LOAD', nonce, json.dumps(str(first['load'])))
        reap()
        return
    g = {'__name__': '__main__', '__builtins__': builtins}
    if texts['prelude.py']:
        exec(compile(texts['prelude.py'], 'prelude.py', 'exec'), g)
    for n, v in first['names'].items():
        if type(v) is dict and 'module' in v:
            # A module the candidate imported: the judge imports the same stdlib module itself.
            mod = str(v['module'])
            if mod.split('.')[0] in sys.stdlib_module_names and mod not in ('this', 'antigravity'):
                try:
                    g[n] = __import__(mod, fromlist=['_'])
                except BaseException:
                    pass
        else:
            g[n] = _dec(v, remote)
    def on_alarm(signum, frame):
        raise _TestTimeout()
    signal.signal(signal.SIGALRM, on_alarm)
    for i, t in enumerate(spec['tests']):
        t0 = time.perf_counter(); c0 = time.process_time(); w0 = state['cpu']
        status, why = 'passed', ''
        signal.setitimer(signal.ITIMER_REAL, spec['timeout'])
        try:
            exec(compile(t, 'test_%d' % i, 'exec'), g)
        except _TestTimeout:
            status, why = 'timeout', 'test time limit'
        except _WorkerGone as e:
            status, why = 'died', 'the program ended during the test (%s)' % e
        except AssertionError as e:
            status, why = 'wrong_answer', 'AssertionError: ' + str(e)[:300]
        except MemoryError:
            status, why = 'memory_exceeded', 'MemoryError'
        except BaseException as e:
            status, why = 'runtime_error', type(e).__name__ + ': ' + str(e)[:300]
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        cpu = time.process_time() - c0 + state['cpu'] - w0
        rec('TEST', nonce, i, status, '%.3f' % ((time.perf_counter() - t0) * 1000), '%.3f' % (cpu * 1000), json.dumps(why))
        if status != 'passed' and spec['stop']:
            break
    os.close(wq)  # the worker ends at this EOF; the sandbox removes whatever it left
    rec('DONE', nonce, len(spec['tests']))
_guard(_main)
)PY";

}  // namespace

const char* assert_driver_source() { return kAssertDriver; }

}  // namespace trafl::codegrade
