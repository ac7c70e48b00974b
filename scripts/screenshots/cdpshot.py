"""Screenshot a page with headless Chromium over the DevTools protocol (docs/screenshots/).

Plain ``chromium --screenshot`` catches kedro-viz and the MLflow UI with their first-visit panels
open and the graph zoomed out; this drives the page first (browser settings, clicks, a wheel
step), then captures. Needs Debian's ``chromium`` and ``pip install -e ".[docs]"``.

usage: cdpshot.py URL OUT.png [--size 1600x1000] [--wait 12] [--setup JS] [--after JS]...
  --setup JS: evaluated once on the page's origin, then the page is reloaded (e.g. set localStorage)
  --after JS: evaluated after the wait (clicks etc.); each followed by --pause seconds
"""

import argparse
import asyncio
import base64
import json
import os
import subprocess
import tempfile
import time
import urllib.request

import websockets


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("out")
    ap.add_argument("--size", default="1600x1000")
    ap.add_argument("--wait", type=float, default=12)
    ap.add_argument("--pause", type=float, default=3)
    ap.add_argument("--setup", default=None)
    ap.add_argument("--setup-url", default=None)
    ap.add_argument(
        "--step",
        action="append",
        default=[],
        help="js:CODE | click:x,y | type:TEXT | key:Enter | sleep:s (after everything else)",
    )
    ap.add_argument(
        "--drag",
        action="append",
        default=[],
        help="x1,y1,x2,y2: a left-button drag after the --after scripts",
    )
    ap.add_argument(
        "--wheel", default=None, help="x,y,deltaY: one mouse-wheel step after the --after scripts"
    )
    ap.add_argument("--after", action="append", default=[])
    ap.add_argument("--port", type=int, default=9333)
    ap.add_argument("--print", action="append", default=[], help="JS whose value is printed")
    a = ap.parse_args()
    w, h = a.size.split("x")
    prof = tempfile.mkdtemp(prefix="cdpprof")
    proc = subprocess.Popen(
        [
            "chromium",
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={w},{h}",
            f"--remote-debugging-port={a.port}",
            f"--user-data-dir={prof}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            try:
                tabs = json.load(urllib.request.urlopen(f"http://127.0.0.1:{a.port}/json"))
                break
            except Exception:
                time.sleep(0.2)
        ws_url = [t for t in tabs if t["type"] == "page"][0]["webSocketDebuggerUrl"]
        async with websockets.connect(ws_url, max_size=2**28) as ws:
            n = 0

            async def call(method, **params):
                nonlocal n
                n += 1
                await ws.send(json.dumps({"id": n, "method": method, "params": params}))
                while True:
                    m = json.loads(await ws.recv())
                    if m.get("id") == n:
                        return m

            async def ev(js):
                r = await call(
                    "Runtime.evaluate", expression=js, awaitPromise=True, returnByValue=True
                )
                return r.get("result", {}).get("result", {}).get("value")

            await call("Page.enable")
            await call(
                "Emulation.setDeviceMetricsOverride",
                width=int(w),
                height=int(h),
                deviceScaleFactor=1,
                mobile=False,
            )
            await call("Page.navigate", url=a.setup_url or a.url)
            if a.setup:
                await asyncio.sleep(2)
                print("setup:", await ev(a.setup))
                await call("Page.navigate", url=a.url)
            await asyncio.sleep(a.wait)
            for js in a.after:
                print("after:", await ev(js))
                await asyncio.sleep(a.pause)
            for d in a.drag:
                x1, y1, x2, y2 = (float(v) for v in d.split(","))
                await call("Input.dispatchMouseEvent", type="mouseMoved", x=x1, y=y1)
                await call(
                    "Input.dispatchMouseEvent",
                    type="mousePressed",
                    x=x1,
                    y=y1,
                    button="left",
                    clickCount=1,
                )
                for i in range(1, 11):
                    await call(
                        "Input.dispatchMouseEvent",
                        type="mouseMoved",
                        x=x1 + (x2 - x1) * i / 10,
                        y=y1 + (y2 - y1) * i / 10,
                        button="left",
                        buttons=1,
                    )
                    await asyncio.sleep(0.05)
                await call(
                    "Input.dispatchMouseEvent",
                    type="mouseReleased",
                    x=x2,
                    y=y2,
                    button="left",
                    clickCount=1,
                )
                await call("Input.dispatchMouseEvent", type="mouseMoved", x=30, y=450)
                await asyncio.sleep(a.pause)
            if a.wheel:
                x, y, dy = (float(v) for v in a.wheel.split(","))
                await call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
                await call(
                    "Input.dispatchMouseEvent", type="mouseWheel", x=x, y=y, deltaX=0, deltaY=dy
                )
                await call("Input.dispatchMouseEvent", type="mouseMoved", x=30, y=450)
                await asyncio.sleep(a.pause)
            for st in a.step:
                kind, _, arg = st.partition(":")
                if kind == "js":
                    print("step:", await ev(arg))
                elif kind == "click":
                    x, y = (float(v) for v in arg.split(","))
                    await call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
                    await call(
                        "Input.dispatchMouseEvent",
                        type="mousePressed",
                        x=x,
                        y=y,
                        button="left",
                        clickCount=1,
                    )
                    await call(
                        "Input.dispatchMouseEvent",
                        type="mouseReleased",
                        x=x,
                        y=y,
                        button="left",
                        clickCount=1,
                    )
                elif kind == "type":
                    await call("Input.insertText", text=arg)
                elif kind == "key":
                    codes = {"Enter": 13, "Escape": 27, "ArrowDown": 40, "Tab": 9}
                    for t in ("rawKeyDown", "keyUp"):
                        await call(
                            "Input.dispatchKeyEvent",
                            type=t,
                            key=arg,
                            code=arg,
                            windowsVirtualKeyCode=codes[arg],
                            nativeVirtualKeyCode=codes[arg],
                        )
                    if arg == "Enter":
                        await call("Input.dispatchKeyEvent", type="char", text="\r", key="Enter")
                elif kind == "move":
                    x, y = (float(v) for v in arg.split(","))
                    await call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
                elif kind == "sleep":
                    await asyncio.sleep(float(arg))
                    continue
                await asyncio.sleep(1.0)
            for js in a.print:
                print("print:", await ev(js))
            r = await call("Page.captureScreenshot", format="png")
            open(a.out, "wb").write(base64.b64decode(r["result"]["data"]))
            print("wrote", a.out, os.path.getsize(a.out))
    finally:
        proc.terminate()
        proc.wait()


asyncio.run(main())
