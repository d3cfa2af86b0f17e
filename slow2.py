import socket, time, urllib.request, sys
n=int(sys.argv[1])
socks=[]
t=time.time()
for i in range(n):
    s=socket.create_connection(("127.0.0.1",18686)); s.sendall(b"POST /events HTTP/1.1\r\nHost: x\r\n"); socks.append(s)
print("opened", n, round(time.time()-t,3))
t=time.time()
req=urllib.request.Request("http://127.0.0.1:18686/events", data=b'{"a":1}\n', headers={"Authorization":"Bearer sekrit123"})
try: print("normal", urllib.request.urlopen(req, timeout=10).status, round(time.time()-t,3))
except Exception as e: print("normal failed", e, round(time.time()-t,3))
