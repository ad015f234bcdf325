"""
Prints `ADDRESS:PORT` for every TCP SYN (without ACK) sent from this network namespace, on any
interface including loopback, one line each, after a first line `ready`. Run it in the
namespace under test (`ip netns exec NS python3 syn-watch.py`); needs root (AF_PACKET).
"""
import socket
import struct

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
ETHERNET_HEADER = 14  # loopback frames carry a zeroed Ethernet header too
TCP_SYN, TCP_ACK = 0x02, 0x10

sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
print("ready", flush=True)
while True:
    frame, (_ifname, proto, pkttype, *_rest) = sock.recvfrom(65535)
    if proto != ETH_P_IP or pkttype != PACKET_OUTGOING:
        continue
    ip = frame[ETHERNET_HEADER:]
    if len(ip) < 20 or ip[9] != socket.IPPROTO_TCP:
        continue
    header = (ip[0] & 0x0F) * 4
    if len(ip) < header + 14:
        continue
    flags = ip[header + 13]
    if flags & TCP_SYN and not flags & TCP_ACK:
        (port,) = struct.unpack("!H", ip[header + 2 : header + 4])
        print(f"{socket.inet_ntoa(ip[16:20])}:{port}", flush=True)
