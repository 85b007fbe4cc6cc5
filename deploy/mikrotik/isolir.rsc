# ISPcare isolir on a MikroTik PPPoE concentrator (RouterOS 6.4x / 7.x).
#
# FreeRADIUS answers an isolated subscriber with Mikrotik-Address-List = "isolir" and a low
# Mikrotik-Rate-Limit; ISPcare's CoA puts an online subscriber on the list at once. These
# rules let isolated subscribers reach only DNS, ISPcare (portal, isolir page, payment)
# and send every other web request to the isolir page.
#
# Replace 203.0.113.10 with the address of the ISPcare web server, and 10.99.0.0/16 with
# your PPPoE client pool if you use a separate isolir pool (ISOLIR_POOL).

/ip firewall address-list
add list=isolir-allowed address=203.0.113.10 comment="ISPcare portal and isolir page"
# add list=isolir-allowed address=<payment gateway addresses> comment="payment"

/ip firewall nat
# Web (HTTP) of isolated subscribers goes to the isolir page.
add chain=dstnat src-address-list=isolir dst-address-list=!isolir-allowed protocol=tcp dst-port=80 \
    action=dst-nat to-addresses=203.0.113.10 to-ports=80 comment="ISPcare isolir: web to the isolir page"

/ip firewall filter
# DNS and ISPcare stay reachable; everything else from the isolir list is dropped.
add chain=forward src-address-list=isolir protocol=udp dst-port=53 action=accept comment="ISPcare isolir: DNS"
add chain=forward src-address-list=isolir protocol=tcp dst-port=53 action=accept comment="ISPcare isolir: DNS"
add chain=forward src-address-list=isolir dst-address-list=isolir-allowed action=accept comment="ISPcare isolir: portal"
add chain=forward src-address-list=isolir action=reject reject-with=icmp-network-prohibited comment="ISPcare isolir: the rest"

# RADIUS: authenticate PPPoE against FreeRADIUS and accept CoA / Disconnect from ISPcare.
/radius
add service=ppp address=192.0.2.20 secret="CHANGE-ME" authentication-port=1812 accounting-port=1813 \
    timeout=3s comment="FreeRADIUS (ISPcare)"
/radius incoming
set accept=yes port=3799
/ppp aaa
set use-radius=yes accounting=yes interim-update=5m

# The isolir PPP profile (for routers driven over the API instead of RADIUS): new logins
# of isolated subscribers land on the list too.
/ppp profile
add name=isolir rate-limit=256k/256k address-list=isolir comment="ISPcare isolir"
