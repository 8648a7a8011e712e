#!/usr/bin/env python3
"""Writes the synthetic demo population registry (config/population-demo.csv).

Deterministic (fixed seed): every run writes the same file. The first row is the demo citizen
that `make run` activates. ID numbers follow the real structure (province code, century/sex
digit, birth year, serial); names, addresses and phones are invented.
usage: tools/gen-population.py [N] > config/population-demo.csv
"""
import random
import sys

PROVINCES = {1: "Hà Nội", 2: "Hà Giang", 4: "Cao Bằng", 6: "Bắc Kạn", 8: "Tuyên Quang",
             10: "Lào Cai", 11: "Điện Biên", 12: "Lai Châu", 14: "Sơn La", 15: "Yên Bái",
             17: "Hòa Bình", 19: "Thái Nguyên", 20: "Lạng Sơn", 22: "Quảng Ninh", 24: "Bắc Giang",
             25: "Phú Thọ", 26: "Vĩnh Phúc", 27: "Bắc Ninh", 30: "Hải Dương", 31: "Hải Phòng",
             33: "Hưng Yên", 34: "Thái Bình", 35: "Hà Nam", 36: "Nam Định", 37: "Ninh Bình",
             38: "Thanh Hóa", 40: "Nghệ An", 42: "Hà Tĩnh", 44: "Quảng Bình", 45: "Quảng Trị",
             46: "Thừa Thiên Huế", 48: "Đà Nẵng", 49: "Quảng Nam", 51: "Quảng Ngãi",
             52: "Bình Định", 54: "Phú Yên", 56: "Khánh Hòa", 58: "Ninh Thuận", 60: "Bình Thuận",
             62: "Kon Tum", 64: "Gia Lai", 66: "Đắk Lắk", 67: "Đắk Nông", 68: "Lâm Đồng",
             70: "Bình Phước", 72: "Tây Ninh", 74: "Bình Dương", 75: "Đồng Nai",
             77: "Bà Rịa - Vũng Tàu", 79: "Hồ Chí Minh", 80: "Long An", 82: "Tiền Giang",
             83: "Bến Tre", 84: "Trà Vinh", 86: "Vĩnh Long", 87: "Đồng Tháp", 89: "An Giang",
             91: "Kiên Giang", 92: "Cần Thơ", 93: "Hậu Giang", 94: "Sóc Trăng", 95: "Bạc Liêu",
             96: "Cà Mau"}
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thành", "Công"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Diệu"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khoa", "Long", "Nam", "Phong", "Quân",
           "Sơn", "Tuấn", "Việt", "Trung"]
GIVEN_F = ["Anh", "Chi", "Dung", "Hà", "Hằng", "Hoa", "Lan", "Linh", "Mai", "Ngân", "Nhung",
           "Phương", "Thảo", "Trang", "Yến"]
STREETS = ["Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Lý Thường Kiệt",
           "Phan Chu Trinh", "Điện Biên Phủ", "Hùng Vương", "Quang Trung", "Bạch Đằng"]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rnd = random.Random(20261123)
    out = sys.stdout
    out.write("id_number,full_name,date_of_birth,sex,residence,phone,document_number\n")
    # The demo citizen used by `make run` and the README.
    rows = [("001085012345", "Nguyễn Văn An", "1985-03-14", "M", "12 Phố Huế, Hai Bà Trưng, Hà Nội",
             "0912345678")]
    seen = {rows[0][0]}
    phones = {rows[0][5]}
    provinces = sorted(PROVINCES)
    while len(rows) < n:
        prov = provinces[len(rows) % len(provinces)]
        female = rnd.random() < 0.5
        year = rnd.randint(1940, 2008)
        month, day = rnd.randint(1, 12), rnd.randint(1, 28)
        digit = (0 if year < 2000 else 2) + (1 if female else 0)
        ident = f"{prov:03d}{digit}{year % 100:02d}{rnd.randint(0, 999999):06d}"
        phone = f"0{rnd.choice('3789')}{rnd.randint(0, 99999999):08d}"
        if ident in seen or phone in phones:
            continue
        seen.add(ident)
        phones.add(phone)
        name = " ".join([rnd.choice(FAMILY), rnd.choice(MIDDLE_F if female else MIDDLE_M),
                         rnd.choice(GIVEN_F if female else GIVEN_M)])
        addr = f"{rnd.randint(1, 300)} {rnd.choice(STREETS)}, {PROVINCES[prov]}"
        rows.append((ident, name, f"{year}-{month:02d}-{day:02d}", "F" if female else "M", addr,
                     phone))
    for ident, name, dob, sex, addr, phone in rows:
        out.write(f'{ident},{name},{dob},{sex},"{addr}",{phone},{ident[3:]}\n')


if __name__ == "__main__":
    main()
