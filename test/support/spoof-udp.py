"""
Sends UDP datagrams with forged source addresses, as an attacker on the LAN can.
Usage: spoof-udp.py DEST_ADDRESS DEST_PORT PAUSE_SECONDS; reads `SOURCE_ADDRESS PAYLOAD` lines on
stdin, sends one datagram per line (source port 47625), pausing between them, and prints how
many it sent. Needs root (a raw socket); run it in the attacker's network namespace.
"""
import socket
import struct
import sys
import time

dest, dest_port, pause = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
# IPPROTO_RAW implies IP_HDRINCL: we write the IP header, source address included.
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
sent = 0
for line in sys.stdin:
    source, payload = line.rstrip("\n").split(" ", 1)
    data = payload.encode()
    # UDP checksum 0 means "none" over IPv4; the kernel fills the IP checksum and length.
    udp = struct.pack("!HHHH", 47625, dest_port, 8 + len(data), 0) + data
    header = struct.pack(
        "!BBHHHBBH4s4s",
        0x45, 0, 20 + len(udp), 0, 0, 64, socket.IPPROTO_UDP, 0,
        socket.inet_aton(source), socket.inet_aton(dest),
    )
    sock.sendto(header + udp, (dest, 0))
    sent += 1
    if pause > 0:
        time.sleep(pause)
print(sent, flush=True)
